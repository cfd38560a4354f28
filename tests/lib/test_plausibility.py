"""Plausibility of a source against itself: shapes of key values, the shape learned from a
previous run, band comparisons with hand-made numbers, and the settings in sources.yaml and
quality.yaml refused when malformed, naming the file, the entry and its line."""

import duckdb
import pytest
import yaml
from config_problems import assert_names_entry

from seg_assets.lib.quality.plausibility import (
    KeyColumnFormat,
    count_band,
    learn_shapes,
    regex_problem,
    shape_of,
    shape_regex,
    shape_sql,
    share_band,
)
from seg_assets.lib.quality.suite_parameters import (
    QualityConfigError,
    default_quality_settings_path,
    load_quality_settings,
)
from seg_assets.lib.source_contracts import SourcesConfigError, load_source_contracts

IDS = [
    " acc-00012 ",
    "ACC-7",
    "SO0000001",
    "c000123",
    "Alpha Foods GmbH",
    "F-000001",
    "",
    "WH-DE-KSL",
]


def test_a_shape_keeps_letter_counts_and_collapses_digit_runs():
    assert [shape_of(value) for value in IDS] == [
        "AAA-9",
        "AAA-9",
        "AA9",
        "A9",
        "AAAAA AAAAA AAAA",
        "A-9",
        "",
        "AA-AA-AAA",
    ]


def test_duckdb_computes_the_same_shapes():
    with duckdb.connect() as con:
        shapes = con.execute(
            f"select {shape_sql('v')} from unnest($ids) with ordinality as t(v, i) order by i",
            {"ids": IDS},
        ).fetchall()
    assert [shape for (shape,) in shapes] == [shape_of(value) for value in IDS]


def test_a_shape_becomes_an_expression_matching_its_values_only():
    assert shape_regex("AAA-9") == "[A-Z]{3}-[0-9]+"
    assert shape_regex("A9") == "[A-Z][0-9]+"
    assert shape_regex("AA.9(A)") == r"[A-Z]{2}\.[0-9]+\([A-Z]\)"
    with duckdb.connect() as con:
        [(order, customer)] = con.execute(
            "select regexp_full_match('SO0000001', $p), regexp_full_match('C000123', $p)",
            {"p": shape_regex("AA9")},
        ).fetchall()
    assert (order, customer) == (True, False)


def test_the_commonest_shapes_are_learned_when_few_cover_most_values():
    learned = learn_shapes({"AA9": 96, "A9": 3, "AAA": 1}, coverage=0.95, max_shapes=3)
    assert learned.shapes == ("AA9",)
    assert learned.covered_share == pytest.approx(0.96)
    assert learned.pattern == "[A-Z]{2}[0-9]+"
    two = learn_shapes({"AA9": 60, "A9": 38, "AAA": 2}, coverage=0.95, max_shapes=3)
    assert two.shapes == ("AA9", "A9")
    assert two.pattern == "([A-Z]{2}[0-9]+)|([A-Z][0-9]+)"


def test_no_shape_is_learned_from_varied_values_or_none():
    names = {f"shape{i}": 10 for i in range(20)}
    assert learn_shapes(names, coverage=0.95, max_shapes=3).pattern is None
    # Three shapes cover only 90 %: not enough.
    assert learn_shapes({"A": 30, "B": 30, "C": 30, "D": 10}, 0.95, 3).pattern is None
    assert learn_shapes({}, 0.95, 3).pattern is None


def test_a_share_is_compared_in_share_points():
    moved = share_band("null share of city", previous=0.02, current=0.62, band=0.1)
    assert (moved.low, moved.high, moved.within) == (0.0, 0.12, False)
    assert moved.describe() == "null share of city 0.620, previous 0.020 (allowed 0..0.120)"
    assert share_band("link rate", 0.85, 0.76, 0.1).within
    assert not share_band("link rate", 0.85, 0.74, 0.1).within
    assert share_band("link rate", 0.95, 1.0, 0.1).high == 1.0
    first = share_band("link rate", None, 0.5, 0.1)
    assert first.within and first.describe() == "link rate 0.500, no previous run to compare with"


def test_a_count_is_compared_within_a_relative_band_rounded_outwards():
    counted = count_band("row count", previous=101, current=40, band=0.5)
    assert (counted.low, counted.high, counted.within) == (50, 152, False)
    assert counted.describe() == "row count 40, previous 101 (allowed 50..152)"
    assert count_band("row count", 101, 152, 0.5).within
    assert count_band("row count", None, 0, 0.5).within


def test_a_key_column_fails_below_mostly_and_says_what_is_off():
    swapped = KeyColumnFormat(
        source="crm__accounts",
        column="account_id",
        pattern="ACC-[0-9]+",
        origin="config/sources.yaml",
        values=9,
        matching=0,
        mostly=0.8,
        failing_sample=(("ALPHA FOODS", 1), ("Beta Retail", 2)),
        look_alikes=(("account_name", 1.0),),
    )
    assert swapped.failed
    assert swapped.describe() == (
        "crm__accounts.account_id: 0 of 9 values (0%) match ACC-[0-9]+ (config/sources.yaml),"
        " at least 80% must; e.g. 'ALPHA FOODS' (row 1), 'Beta Retail' (row 2); values of this"
        " shape are in account_name (100%): columns swapped or shifted?"
    )
    one_odd = KeyColumnFormat("erp__orders", "customer_id", "C[0-9]+", "config", 7, 6, 0.8)
    assert not one_odd.failed
    unjudged = KeyColumnFormat("x__y", "y_id", None, "no previous run", 0, 0, 0.8)
    assert not unjudged.failed and unjudged.share is None


def test_a_pattern_duckdb_cannot_run_is_a_problem():
    assert regex_problem("ACC-[0-9]+") is None
    assert "missing ]" in regex_problem("ACC-[0-9+")
    assert "invalid perl operator" in regex_problem("(?=ACC)")
    assert regex_problem("") == "an empty pattern matches nothing"


SOURCE = """sources:
  crm__things:
    system: crm
    entity: things
    format: csv
    key: thing_id
{extra}    columns:
      thing_id: VARCHAR
      other_id: VARCHAR
"""


@pytest.mark.parametrize(
    ("extra", "line", "entry", "message"),
    [
        pytest.param(
            "    key_formats: {thing_id: 'T[0-9+'}\n",
            7,
            "sources.crm__things.key_formats.thing_id",
            "'T[0-9+' is not a regular expression DuckDB can run: missing ]: [0-9+; or write"
            " learn to learn the shape from the last run",
            id="pattern-not-a-regex",
        ),
        pytest.param(
            "    key_formats:\n      thing_idd: learn\n",
            8,
            "sources.crm__things.key_formats.thing_idd",
            "'thing_idd' is not a declared column; did you mean thing_id?",
            id="format-of-an-undeclared-column",
        ),
        pytest.param(
            "    key_formats: {thing_id: 5}\n",
            7,
            "sources.crm__things.key_formats.thing_id",
            "should be a valid string (got 5)",
            id="pattern-not-text",
        ),
        pytest.param(
            "    master_data_link: {system: erp, column: other_id}\n",
            7,
            "sources.crm__things.master_data_link.system",
            "no source delivers 'erp' customer records to master data",
            id="link-to-a-system-without-records",
        ),
        pytest.param(
            "    master_data_link: {system: crm, column: thing_id, colum: x}\n",
            7,
            "sources.crm__things.master_data_link.colum",
            "unknown key; did you mean column?",
            id="link-unknown-key",
        ),
    ],
)
def test_a_malformed_plausibility_entry_of_a_source_is_refused(
    tmp_path, extra, line, entry, message
):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCE.format(extra=extra))
    with pytest.raises(SourcesConfigError) as raised:
        load_source_contracts(path)
    assert_names_entry(raised.value, entry, message)
    assert raised.value.problems[0].position[0] == line


def test_a_source_links_its_own_records_or_references_them(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        SOURCE.format(
            extra="    key_formats: {other_id: 'O[0-9]+'}\n"
            "    master_data_link: {system: crm, column: thing_id}\n"
        )
    )
    contract = load_source_contracts(path)["crm__things"]
    assert contract.links_own_records
    # The key is always checked (its shape learned when not configured), then the others.
    assert contract.key_columns == (("thing_id", None), ("other_id", "O[0-9]+"))


SHIPPED = yaml.safe_load(default_quality_settings_path().read_text())


@pytest.mark.parametrize(
    ("section", "entries", "entry", "message"),
    [
        pytest.param(
            "key_format",
            {"severity": "fatal"},
            "plausibility.key_format.severity",
            "should be 'error' or 'warn' (got 'fatal')",
            id="unknown-severity",
        ),
        pytest.param(
            "key_format",
            {"mostly": 0},
            "plausibility.key_format.mostly",
            "should be greater than 0 (got 0)",
            id="mostly-zero",
        ),
        pytest.param(
            "key_format",
            {"learned_max_shapes": 0},
            "plausibility.key_format.learned_max_shapes",
            "should be greater than or equal to 1 (got 0)",
            id="no-shapes",
        ),
        pytest.param(
            "null_share",
            {"band": 1.5},
            "plausibility.null_share.band",
            "should be less than or equal to 1 (got 1.5)",
            id="share-band-above-1",
        ),
        pytest.param(
            "link_rate",
            {"bands": 0.1},
            "plausibility.link_rate.bands",
            "unknown key; did you mean band?",
            id="unknown-key",
        ),
        pytest.param(
            "row_count",
            {"band": -1},
            "plausibility.row_count.band",
            "should be greater than or equal to 0 (got -1)",
            id="negative-row-band",
        ),
    ],
)
def test_a_malformed_plausibility_setting_is_refused(tmp_path, section, entries, entry, message):
    document = {name: dict(values) for name, values in SHIPPED.items()}
    document["plausibility"][section] = {**document["plausibility"][section], **entries}
    path = tmp_path / "quality.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(QualityConfigError) as raised:
        load_quality_settings(path)
    assert_names_entry(raised.value, entry, message)


def test_the_shipped_plausibility_settings_load():
    plausibility = load_quality_settings().plausibility
    assert plausibility.key_format.severity == "error"
    assert (plausibility.null_share.severity, plausibility.link_rate.severity) == ("warn", "warn")
    assert plausibility.model_dump() == SHIPPED["plausibility"]
