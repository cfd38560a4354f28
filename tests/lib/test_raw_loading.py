"""Loading landing files: declared types, source row numbers, clear errors, type quarantine."""

import math
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import scratch_contract, write_landing_file

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.raw_loading import count_landing_rows, load_raw_table
from seg_assets.lib.source_contracts import SourceContract

CONTRACT = scratch_contract(
    "erp__things", (("thing_id", "VARCHAR"), ("made_on", "DATE"), ("units", "INTEGER"))
)


def _landing(tmp_path: Path, text: str, contract: SourceContract = CONTRACT) -> Path:
    return write_landing_file(tmp_path, contract, text)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def test_rows_load_with_declared_types_and_their_source_row(con, tmp_path):
    landing = _landing(tmp_path, "thing_id,made_on,units\nA,2024-01-02,3\nB,,\n")
    result = load_raw_table(con, CONTRACT, landing, "run-1")
    assert (result.rows_in_file, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = con.sql(
        "select thing_id, made_on, units, _source_file, _source_row from raw.erp__things"
    ).pl()
    assert rows.schema["made_on"] == pl.Date and rows.schema["units"] == pl.Int32
    assert rows["_source_row"].to_list() == [1, 2]
    # Relative to the landing root: the same rows whichever folder the landing is in.
    assert rows["_source_file"].to_list() == ["erp/things.csv"] * 2
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
    contract = CONTRACT.model_copy(update={"format": "parquet"})
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
        ("", "file is empty (0 bytes), expected a header row"),
        ("thing_id,units\nA,3\n", "line 1 (header): missing column(s) made_on"),
        ("thing_id,made_on,units\n", "has a header but no data rows"),
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


def test_an_empty_extract_loads_when_the_contract_allows_it(con, tmp_path):
    contract = CONTRACT.model_copy(update={"allow_empty": True})
    landing = _landing(tmp_path, "thing_id,made_on,units\n", contract)
    result = load_raw_table(con, contract, landing, "r")
    assert (result.rows_in_file, result.rows_loaded, result.rows_quarantined) == (0, 0, 0)


MEASURED = scratch_contract(
    "wms__measures",
    (
        ("measure_id", "VARCHAR"),
        ("units", "INTEGER"),
        ("weight", "DOUBLE"),
        ("price", "DECIMAL(18,2)"),
        ("taken_at", "TIMESTAMP"),
    ),
)


def _reasons(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute("select measure_id, quarantine_reason from quarantine.wms__measures").fetchall()
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("NAN1,1,NaN,1,", "weight='NaN' is not a finite DOUBLE"),
        ("INF1,1,inf,1,", "weight='inf' is not a finite DOUBLE"),
        ("INF2,1,-Infinity,1,", "weight='-Infinity' is not a finite DOUBLE"),
        ("OVF1,1,1e999,1,", "weight='1e999' is not a finite DOUBLE"),
        ("BIG1,2147483648,1,1,", "units='2147483648' is out of range for INTEGER"),
        ("BIG2,1,1,1e17,", "price='1e17' is out of range for DECIMAL(18,2)"),
        ("NAN2,NaN,1,1,", "units='NaN' is not a valid INTEGER"),
        ("FRA1,2.5,1,1,", "units='2.5' is not a whole number (INTEGER)"),
        ("FRA2,1,1,10.005,", "price='10.005' has more than 2 decimal places (DECIMAL(18,2))"),
        ("INF3,1,1,1,infinity", "taken_at='infinity' is not a finite TIMESTAMP"),
    ],
)
def test_values_the_type_cannot_hold_exactly_are_quarantined_with_their_reason(
    con, tmp_path, row, reason
):
    text = f"measure_id,units,weight,price,taken_at\nOK,3,1.5,10.50,2024-01-02 08:00:00\n{row}\n"
    result = load_raw_table(con, MEASURED, _landing(tmp_path, text, MEASURED), "r")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert list(_reasons(con).values()) == [reason]


def test_exact_values_in_other_spellings_are_kept(con, tmp_path):
    text = (
        "measure_id,units,weight,price,taken_at\n"
        "A,3.0,1e3,10.500,2024-01-02T08:00:00\n"
        "B,+7,-0.0,1e2,\n"
    )
    result = load_raw_table(con, MEASURED, _landing(tmp_path, text, MEASURED), "r")
    assert result.rows_quarantined == 0
    rows = con.execute("select units, weight, price from raw.wms__measures order by 1").fetchall()
    assert rows == [(3, 1000.0, Decimal("10.50")), (7, -0.0, Decimal("100.00"))]


def test_nan_and_infinity_in_a_typed_parquet_column_are_quarantined(con, tmp_path):
    contract = MEASURED.model_copy(update={"format": "parquet"})
    folder = tmp_path / "landing" / "wms"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {
            "measure_id": ["A", "B", "C"],
            "units": [1, 2, 3],
            "weight": [1.5, math.nan, -math.inf],
            "price": [Decimal("1.00")] * 3,
            "taken_at": [None, None, None],
        },
        schema_overrides={"price": pl.Decimal(18, 2), "taken_at": pl.Datetime("us")},
    ).write_parquet(folder / "measures.parquet")
    result = load_raw_table(con, contract, tmp_path / "landing", "r")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert _reasons(con) == {
        "B": "weight='nan' is not a finite DOUBLE",
        "C": "weight='-inf' is not a finite DOUBLE",
    }
