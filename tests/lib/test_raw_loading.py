"""Loading landing files: declared types, source row numbers, clear errors, type quarantine."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.raw_loading import count_landing_rows, load_raw_table
from seg_assets.lib.source_contracts import SourceContract

CONTRACT = SourceContract(
    name="erp__things",
    system="erp",
    entity="things",
    format="csv",
    description="Test things.",
    key="thing_id",
    columns=(("thing_id", "VARCHAR"), ("made_on", "DATE"), ("units", "INTEGER")),
)


def _landing(tmp_path: Path, text: str, contract: SourceContract = CONTRACT) -> Path:
    folder = tmp_path / "landing" / contract.system
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{contract.entity}.csv").write_text(text)
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def test_rows_load_with_declared_types_and_their_source_row(con, tmp_path):
    landing = _landing(tmp_path, "thing_id,made_on,units\nA,2024-01-02,3\nB,,\n")
    result = load_raw_table(con, CONTRACT, landing, "run-1")
    assert (result.rows_in_file, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = con.sql("select thing_id, made_on, units, _source_row from raw.erp__things").pl()
    assert rows.schema["made_on"] == pl.Date and rows.schema["units"] == pl.Int32
    assert rows["_source_row"].to_list() == [1, 2]
    assert rows["made_on"].null_count() == 1


def test_values_that_do_not_parse_are_quarantined_naming_column_value_and_row(con, tmp_path):
    text = "thing_id,made_on,units\nA,2024-01-02,3\nB,31/13/2024,x\nC,2024-02-01,4\n"
    landing = _landing(tmp_path, text)
    result = load_raw_table(con, CONTRACT, landing, "run-7")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert count_landing_rows(con, CONTRACT, landing) == 3
    quarantined = con.execute(
        "select thing_id, made_on, _source_row, quarantine_rule, quarantine_reason, run_id"
        " from quarantine.erp__things"
    ).fetchall()
    assert quarantined == [
        (
            "B",
            "31/13/2024",
            2,
            "invalid_type",
            "made_on='31/13/2024' is not a valid DATE; units='x' is not a valid INTEGER",
            "run-7",
        )
    ]


def test_extra_columns_are_ignored_and_reported(con, tmp_path):
    landing = _landing(tmp_path, "thing_id,made_on,units,note\nA,2024-01-02,3,hello\n")
    result = load_raw_table(con, CONTRACT, landing, "r")
    assert result.ignored_columns == ("note",)
    columns = [row[0] for row in con.execute("describe raw.erp__things").fetchall()]
    assert "note" not in columns


def test_parquet_sources_keep_row_numbers(con, tmp_path):
    contract = SourceContract(**{**CONTRACT.__dict__, "format": "parquet"})
    folder = tmp_path / "landing" / "erp"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {"thing_id": ["A", "B"], "made_on": ["2024-01-02", "2024-01-03"], "units": [1, 2]}
    ).write_parquet(folder / "things.parquet")
    load_raw_table(con, contract, tmp_path / "landing", "r")
    assert con.execute("select thing_id, _source_row from raw.erp__things").fetchall() == [
        ("A", 1),
        ("B", 2),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "landing file for source erp__things is missing"),
        ("", "file is empty, expected a header row"),
        ("thing_id,units\nA,3\n", "missing column(s) made_on in the header (row 1)"),
    ],
)
def test_unusable_files_fail_with_system_file_and_column_named(con, tmp_path, text, message):
    landing = tmp_path / "landing" if text is None else _landing(tmp_path, text)
    with pytest.raises(SourceContractError) as error:
        load_raw_table(con, CONTRACT, landing, "r")
    assert message in str(error.value)
    assert str(error.value).startswith(f"erp: {landing / 'erp' / 'things.csv'}")


def test_a_failed_load_leaves_the_published_tables_unchanged(con, tmp_path):
    landing = _landing(tmp_path, "thing_id,made_on,units\nA,2024-01-02,3\n")
    load_raw_table(con, CONTRACT, landing, "r")
    (landing / "erp" / "things.csv").write_text("thing_id\nB\n")
    with pytest.raises(SourceContractError):
        load_raw_table(con, CONTRACT, landing, "r")
    assert con.execute("select thing_id from raw.erp__things").fetchall() == [("A",)]
