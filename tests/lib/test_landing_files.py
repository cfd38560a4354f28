"""Opening landing extracts: the contract's CSV dialect and encoding, and errors that name the
system, file, line and column instead of dumping DuckDB's reader report."""

import duckdb
import polars as pl
import pytest
from conftest import scratch_contract, write_landing_file

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.raw_loading import count_landing_rows, load_raw_table
from seg_assets.lib.source_contracts import SourceContract

CONTRACT = scratch_contract(
    "crm__things", (("thing_id", "VARCHAR"), ("thing_name", "VARCHAR"), ("units", "INTEGER"))
)
HEADER = b"thing_id,thing_name,units\n"


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def _error(con, tmp_path, content: bytes, contract: SourceContract = CONTRACT) -> str:
    landing = write_landing_file(tmp_path, contract, content)
    with pytest.raises(SourceContractError) as error:
        load_raw_table(con, contract, landing, "r")
    message = str(error.value)
    where = f"{contract.system}: {contract.landing_file(landing)}: "
    assert message.startswith(where) and "\n" not in message
    return message.removeprefix(where)


def _names(con) -> list[tuple[str, str]]:
    return con.execute("select thing_id, thing_name from raw.crm__things order by 1").fetchall()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            b'A,"Alpha,1\nB,Beta,2\n',
            "line 2 (data row 1): unterminated quoted value in column thing_name",
        ),
        (
            b"A,Alpha,1\nB,Beta, Inc.,2\n",
            "line 3 (data row 2): 4 values where the header has 3 columns; quote values that"
            " contain a comma",
        ),
        (
            b"A,Alpha,1\nB,Beta\n",
            "line 3 (data row 2): 2 value(s) where the header has 3 columns; no value for column"
            " units",
        ),
        (
            b"A,Alpha,1\nB;Beta;2\n",
            "line 3 (data row 2): 1 value(s) where the header has 3 columns; no value for column"
            " thing_name",
        ),
        (
            "A,Alpha,1\nB,Caf\u00e9,2\n".encode("latin-1"),
            "line 3 (data row 2): column thing_name has bytes that are not valid utf-8; deliver"
            " the file as utf-8, or declare its encoding for crm__things in config/sources.yaml",
        ),
    ],
)
def test_lines_duckdb_cannot_parse_fail_with_line_and_column(con, tmp_path, rows, message):
    assert _error(con, tmp_path, HEADER + rows).startswith(message)


def test_a_failed_parse_leaves_the_previous_load_in_place(con, tmp_path):
    landing = write_landing_file(tmp_path, CONTRACT, HEADER + b"A,Alpha,1\n")
    load_raw_table(con, CONTRACT, landing, "r")
    _error(con, tmp_path, HEADER + b'B,"Beta,2\n')
    assert _names(con) == [("A", "Alpha")]
    # The rejected-line record is dropped, so the next good load starts clean.
    write_landing_file(tmp_path, CONTRACT, HEADER + b"C,Gamma,3\n")
    load_raw_table(con, CONTRACT, landing, "r")
    assert _names(con) == [("C", "Gamma")]


def test_a_semicolon_delimited_file_gets_a_delimiter_hint(con, tmp_path):
    message = _error(con, tmp_path, b"thing_id;thing_name;units\nA;Alpha;1\n")
    assert message.startswith("line 1 (header): missing column(s) thing_id, thing_name, units")
    assert "the file looks semicolon-delimited" in message


def test_a_header_naming_a_declared_column_twice_fails(con, tmp_path):
    message = _error(con, tmp_path, b"thing_id,thing_name,units,units\nA,Alpha,1,2\n")
    assert message == "line 1 (header): column(s) units appear twice"


def test_a_strict_read_error_is_reported_by_line_without_duckdbs_report(con, tmp_path):
    landing = write_landing_file(tmp_path, CONTRACT, HEADER + b'A,"Alpha,1\n')
    with pytest.raises(SourceContractError) as error:
        count_landing_rows(con, CONTRACT, landing)
    assert str(error.value).endswith(
        "cannot be read as csv: line 2 (data row 1): Value with unterminated quote found."
    )


def test_a_utf8_byte_order_mark_and_windows_line_ends_just_work(con, tmp_path):
    content = "\ufeffthing_id,thing_name,units\r\nA,Caf\u00e9,1\r\n".encode()
    load_raw_table(con, CONTRACT, write_landing_file(tmp_path, CONTRACT, content), "r")
    assert _names(con) == [("A", "Caf\u00e9")]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_declared_encoding_is_decoded(con, tmp_path, encoding):
    contract = CONTRACT.model_copy(update={"encoding": encoding})
    content = "thing_id,thing_name,units\nA,M\u00fcller,1\n".encode(encoding)
    load_raw_table(con, contract, write_landing_file(tmp_path, contract, content), "r")
    assert _names(con) == [("A", "M\u00fcller")]


def test_a_header_in_another_encoding_fails_on_line_1(con, tmp_path):
    message = _error(con, tmp_path, "thing_id,thing_name,units\nA,B,1\n".encode("utf-16"))
    assert message.startswith("line 1 (header) has bytes that are not valid utf-8")


def test_extra_and_unnamed_columns_are_ignored_by_name_or_position(con, tmp_path):
    content = b"note,thing_id,thing_name,units,\nhello,A,Alpha,1,\n"
    result = load_raw_table(con, CONTRACT, write_landing_file(tmp_path, CONTRACT, content), "r")
    assert result.ignored_columns == ("note", "number 5 (unnamed)")
    assert _names(con) == [("A", "Alpha")]


def test_a_truncated_parquet_file_fails_with_a_hint(con, tmp_path):
    contract = CONTRACT.model_copy(update={"format": "parquet"})
    whole = tmp_path / "whole.parquet"
    pl.DataFrame({"thing_id": ["A"], "thing_name": ["Alpha"], "units": [1]}).write_parquet(whole)
    cut = whole.read_bytes()[: whole.stat().st_size // 2]
    assert _error(con, tmp_path, cut, contract) == (
        "cannot be read as parquet: No magic bytes found at end of file; the file is cut short"
        " or is not Parquet: deliver the complete extract again"
    )


def test_a_parquet_file_without_rows_fails(con, tmp_path):
    contract = CONTRACT.model_copy(update={"format": "parquet"})
    empty = tmp_path / "empty.parquet"
    pl.DataFrame(
        schema={"thing_id": pl.String, "thing_name": pl.String, "units": pl.Int32}
    ).write_parquet(empty)
    assert _error(con, tmp_path, empty.read_bytes(), contract).startswith("has no rows;")
