"""config/mdm.yaml: the shipped file loads; broken copies fail naming the file, the entry and its
line, every problem of the file at once."""

from pathlib import Path

import pytest
from config_problems import assert_listed_at_once, assert_names, write_edited

from seg_assets.lib.mdm.settings import (
    BlockingKey,
    MdmConfigError,
    customer_record_columns,
    default_mdm_settings_path,
    load_mdm_settings,
)

SHIPPED = default_mdm_settings_path().read_text(encoding="utf-8")


def test_the_shipped_config_loads():
    settings = load_mdm_settings()
    assert settings.field_names == (
        "name",
        "tax_id",
        "street",
        "postcode",
        "city",
        "country",
        "phone",
        "email_domain",
        "erp_number",
    )
    assert [(rule.name, rule.fields) for rule in settings.deterministic_rules] == [
        ("same_tax_id", ("tax_id", "country")),
        ("same_erp_customer_number", ("erp_number",)),
    ]
    assert settings.comparisons[0].method == "jaro_winkler"
    assert settings.comparisons[0].thresholds == (0.97, 0.92, 0.85)
    assert settings.blocking_rules[1] == (
        BlockingKey(field="postcode"),
        BlockingKey(field="name", first_chars=4),
    )
    assert settings.blocking_rules[1][1].expression == "substr(name, 1, 4)"
    assert settings.match_threshold == 0.9
    assert settings.training.em_blocking_rules == (
        (BlockingKey(field="tax_id"),),
        (BlockingKey(field="name"), BlockingKey(field="city")),
    )
    assert settings.training.u_sample_pairs == 10_000_000
    assert "GMBH AND CO KG" in settings.standardization.legal_forms
    assert ("STRASSE", "STR") in settings.standardization.street_abbreviations
    assert settings.standardization.transliterations[:2] == (("Ä", "AE"), ("Ö", "OE"))
    assert settings.quality_targets == {"pairwise_precision": 0.99, "pairwise_recall": 0.95}
    assert settings.hierarchy.max_depth == 10


def test_every_field_reads_a_column_of_the_customer_records():
    columns = customer_record_columns()
    assert columns[:3] == ("record_id", "source_system", "source_id")
    assert {field.column for field in load_mdm_settings().fields} <= set(columns)


def test_the_shipped_config_copied_unchanged_loads(tmp_path):
    path = tmp_path / "mdm.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    assert load_mdm_settings(path) == load_mdm_settings()


def test_omitted_sections_take_their_defaults(tmp_path):
    path = tmp_path / "mdm.yaml"
    path.write_text(
        "fields:\n  name: {column: name, standardizer: company_name}\n"
        "comparisons: [{field: name, method: exact}]\n"
        "blocking_rules: [[name]]\n"
        "match_threshold: 0.8\n"
    )
    settings = load_mdm_settings(path)
    assert settings.deterministic_rules == ()
    assert settings.training.min_pairs == 200
    assert settings.training.u_sample_pairs == 10_000_000
    assert settings.hierarchy.resolve_ambiguous_parent_names is True
    assert settings.quality_targets == {}
    assert settings.standardization.legal_forms == ()


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The shipped file with ``old`` replaced by ``new``, and the line of ``new``'s last line."""
    path = tmp_path / "mdm.yaml"
    return path, write_edited(path, SHIPPED, old, new)


BROKEN = [
    pytest.param(
        "match_threshold: 0.9",
        "match_treshold: 0.9",
        "match_treshold",
        "unknown key; did you mean match_threshold?",
        id="unknown-key",
    ),
    pytest.param(
        "city: {column: city, standardizer: text}",
        "city: {column: city, standardiser: text}",
        "fields.city.standardiser",
        "unknown key; did you mean standardizer?",
        id="unknown-field-key",
    ),
    pytest.param(
        "city: {column: city, standardizer: text}",
        "city: {column: city, standardizer: title}",
        "fields.city.standardizer",
        "should be 'company_name', 'street'",
        id="unknown-standardizer",
    ),
    pytest.param(
        "city: {column: city, standardizer: text}",
        "city: {column: cty, standardizer: text}",
        "fields.city.column",
        "'cty' is not a column of mdm.customer_source_records; did you mean city?",
        id="column-not-in-records",
    ),
    pytest.param(
        "city: {column: city, standardizer: text}",
        "city: {column: city name, standardizer: text}",
        "fields.city.column",
        "'city name' is not a valid name",
        id="column-not-an-identifier",
    ),
    pytest.param(
        "  - {field: postcode, method: exact}",
        "  - {field: postcode, method: soundex}",
        "comparisons[3].method",
        "should be 'exact', 'jaro_winkler'",
        id="unknown-method",
    ),
    pytest.param(
        "[postcode, {field: name, first_chars: 4}]",
        "[postcode, {field: nmae, first_chars: 4}]",
        "blocking_rules[1][1].field",
        "'nmae' is not a field; did you mean name?",
        id="blocking-key-not-a-field",
    ),
    pytest.param(
        "[postcode, {field: name, first_chars: 4}]",
        "[postcode, {field: name, first_chars: 0}]",
        "blocking_rules[1][1].first_chars",
        "should be greater than or equal to 1 (got 0)",
        id="first-chars-zero",
    ),
    pytest.param(
        "    - [name, city]",
        "    - [name, town]",
        "training.em_blocking_rules[1][1].field",
        "'town' is not a field",
        id="em-rule-not-a-field",
    ),
    pytest.param(
        "fields: [tax_id, country]",
        "fields: [tax_id, vat_country]",
        "deterministic_rules[0].fields[1]",
        "'vat_country' is not a field; did you mean country?",
        id="rule-field-not-a-field",
    ),
    pytest.param(
        "fields: [erp_number]",
        "fields: []",
        "deterministic_rules[1].fields",
        "should have at least 1 item",
        id="rule-without-fields",
    ),
    pytest.param(
        "  - name: same_erp_customer_number",
        "  - name: same_tax_id",
        "deterministic_rules[1].name",
        "rule 'same_tax_id' is listed twice",
        id="rule-name-twice",
    ),
    pytest.param(
        "thresholds: [0.97, 0.92, 0.85]",
        "thresholds: [0.85, 0.92, 0.97]",
        "comparisons[0].thresholds",
        "similarity thresholds must lie in (0, 1), highest first",
        id="similarity-thresholds-unordered",
    ),
    pytest.param(
        "thresholds: [0.97, 0.92, 0.85]",
        "thresholds: [1.5, 0.9]",
        "comparisons[0].thresholds",
        "(0, 1)",
        id="similarity-threshold-above-one",
    ),
    pytest.param(
        "method: jaro_winkler, thresholds: [0.97, 0.92, 0.85]",
        "method: levenshtein, thresholds: [3, 1]",
        "comparisons[0].thresholds",
        "distance thresholds must be non-negative, lowest first",
        id="distance-thresholds-unordered",
    ),
    pytest.param(
        "method: jaro_winkler, thresholds: [0.97, 0.92, 0.85]",
        "method: levenshtein, thresholds: [1, 2.5]",
        "comparisons[0].thresholds",
        "whole numbers",
        id="levenshtein-fraction",
    ),
    pytest.param(
        "{field: street, method: jaro_winkler, thresholds: [0.95, 0.85]}",
        "{field: street, method: jaro_winkler}",
        "comparisons[2].thresholds",
        "method jaro_winkler needs thresholds",
        id="thresholds-missing",
    ),
    pytest.param(
        "{field: tax_id, method: exact}",
        "{field: tax_id, method: exact, thresholds: [1]}",
        "comparisons[1].thresholds",
        "exact takes no thresholds",
        id="exact-with-thresholds",
    ),
    pytest.param(
        "thresholds: [0.97, 0.92, 0.85]",
        "thresholds: [high, 0.9]",
        "comparisons[0].thresholds[0]",
        "should be a valid number (got 'high')",
        id="threshold-not-a-number",
    ),
    pytest.param(
        "{field: tax_id, method: exact}",
        "{field: vat, method: exact}",
        "comparisons[1].field",
        "'vat' is not a field",
        id="comparison-not-a-field",
    ),
    pytest.param(
        "{field: phone, method: exact}",
        "{field: postcode, method: exact}",
        "comparisons[4].field",
        "comparison of field 'postcode' is listed twice",
        id="field-compared-twice",
    ),
    pytest.param(
        "match_threshold: 0.9",
        "match_threshold: 1.0",
        "match_threshold",
        "should be less than 1 (got 1.0)",
        id="match-threshold-one",
    ),
    pytest.param(
        "match_threshold: 0.9",
        "match_threshold: 0",
        "match_threshold",
        "should be greater than 0 (got 0)",
        id="match-threshold-zero",
    ),
    pytest.param(
        "match_threshold: 0.9",
        "match_threshold:",
        "match_threshold",
        "should be a valid number (got None)",
        id="match-threshold-empty",
    ),
    pytest.param(
        "[0.5, 0.8, 0.9, 0.95, 0.99, 0.999]",
        "[0.5, 0.8, 0.8, 0.95]",
        "what_if_thresholds[2]",
        "threshold 0.8 is listed twice",
        id="what-if-twice",
    ),
    pytest.param(
        "  min_pairs: 200",
        "  min_pairs: many",
        "training.min_pairs",
        "should be a valid integer (got 'many')",
        id="min-pairs-text",
    ),
    pytest.param(
        "  u_sample_pairs: 10000000",
        "  u_sample_pairs: 0",
        "training.u_sample_pairs",
        "should be greater than or equal to 1",
        id="u-sample-pairs-zero",
    ),
    pytest.param(
        "  deterministic_recall: 0.7",
        "  deterministic_recall: 1.5",
        "training.deterministic_recall",
        "should be less than 1 (got 1.5)",
        id="recall-above-one",
    ),
    pytest.param(
        "  max_depth: 10",
        "  max_depth: 0",
        "hierarchy.max_depth",
        "should be greater than or equal to 1",
        id="max-depth-zero",
    ),
    pytest.param(
        "  resolve_ambiguous_parent_names: true",
        "  resolve_ambiguous_parent_names: sometimes",
        "hierarchy.resolve_ambiguous_parent_names",
        "should be a valid boolean",
        id="flag-not-a-boolean",
    ),
    pytest.param(
        "  pairwise_recall: 0.95",
        "  pairwise_recal: 0.95",
        "quality_targets.pairwise_recal",
        "no such measure; did you mean pairwise_recall?",
        id="unknown-quality-measure",
    ),
    pytest.param(
        "  pairwise_recall: 0.95",
        "  pairwise_recall: 95",
        "quality_targets.pairwise_recall",
        "should be less than or equal to 1 (got 95)",
        id="quality-target-percent",
    ),
    pytest.param(
        "connector_words: [AND, UND, ET]",
        "connector_words: [AND, UND, ON]",
        "standardization.connector_words[2]",
        "quote the word",
        id="word-read-as-boolean",
    ),
    pytest.param(
        "    - LTD\n",
        "    - LTD\n    - ltd\n",
        "standardization.legal_forms[47]",
        "'LTD' is listed twice",
        id="legal-form-twice",
    ),
    pytest.param(
        '"ß": "ss"',
        '"ß": 5',
        "standardization.transliterations.ß",
        "should be a valid string (got 5)",
        id="transliteration-not-text",
    ),
    pytest.param(
        "  city: {column: city, standardizer: text}\n",
        "  city: {column: city, standardizer: text}\n  city: {column: city, standardizer: code}\n",
        "fields.city",
        "duplicate key",
        id="field-defined-twice",
    ),
]


@pytest.mark.parametrize(("old", "new", "entry", "says"), BROKEN)
def test_a_broken_config_names_the_file_the_entry_and_its_line(tmp_path, old, new, entry, says):
    path, line = broken(tmp_path, old, new)
    with pytest.raises(MdmConfigError) as raised:
        load_mdm_settings(path)
    assert_names(raised.value, path, line, entry, says)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    text = (
        SHIPPED.replace("  max_depth: 10", "  max_depth: 0")
        .replace("standardizer: lower}", "standardizer: lowercase}")
        .replace("  min_pairs: 200", "  min_pair: 200")
    )
    path = tmp_path / "mdm.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MdmConfigError) as raised:
        load_mdm_settings(path)
    entries = ["fields.email_domain.standardizer", "training.min_pair", "hierarchy.max_depth"]
    assert_listed_at_once(raised.value, path, entries)


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path, _ = broken(tmp_path, "connector_words: [AND, UND, ET]", "connector_words: [AND, UND, ET")
    with pytest.raises(MdmConfigError, match=rf"^{path}: line \d+, column \d+: invalid YAML: "):
        load_mdm_settings(path)


def test_fields_written_as_a_list_are_refused(tmp_path):
    path = tmp_path / "mdm.yaml"
    path.write_text("fields: [name, city]\n")
    with pytest.raises(MdmConfigError) as raised:
        load_mdm_settings(path)
    assert f"{path}: " in str(raised.value)
    assert "line 1, column 1: fields: write a mapping" in str(raised.value)
