"""int_as_of_month_windows on the real month calendar: the months of each trailing window and
their months_back counted by hand, windows of any length read from the same rows, the first
windows clipped at the calendar's first month only, and a one-month refresh that rewrites only
that as-of month. The model runs with `run_model` on a real DuckDB file, as the pipeline runs it.
"""

from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import write_month_calendar

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

WINDOWS = parse_model(sql_dir() / "intermediate" / "int_as_of_month_windows.sql")
APRIL_2025 = date(2025, 4, 1)


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        # The calendar and its windows for every as-of month from 2000-01 to 2099-12.
        write_month_calendar(con)
        yield con


def window(con: duckdb.DuckDBPyConnection, as_of: date, months: int) -> list[tuple[date, int]]:
    """(month, months_back) of the ``months``-month window ending with ``as_of``, newest first."""
    return con.execute(
        "select month, months_back from intermediate.int_as_of_month_windows"
        " where as_of_month = ? and months_back < ? order by month desc",
        [as_of, months],
    ).fetchall()


def test_the_model_reads_only_the_calendar_and_describes_its_columns():
    # No settings table and no data: any window length and any clipping are the reader's.
    assert WINDOWS.upstream == (("intermediate", "int_months"),)
    assert WINDOWS.partition_column == "as_of_month"
    assert [name for name, _ in WINDOWS.column_descriptions] == [
        "as_of_month",
        "month",
        "months_back",
    ]


def test_a_window_is_the_as_of_month_and_the_months_before_it(con):
    # Three months ending with April 2025: April (0 back), March (1), February (2).
    assert window(con, APRIL_2025, 3) == [
        (date(2025, 4, 1), 0),
        (date(2025, 3, 1), 1),
        (date(2025, 2, 1), 2),
    ]
    # Five months cross the year: ... January (3), December 2024 (4).
    assert window(con, APRIL_2025, 5)[-2:] == [(date(2025, 1, 1), 3), (date(2024, 12, 1), 4)]


@pytest.mark.parametrize(
    ("months", "oldest"),
    [
        (1, date(2025, 4, 1)),  # the as-of month alone
        (2, date(2025, 3, 1)),
        (12, date(2024, 5, 1)),  # May 2024 .. April 2025
        (13, date(2024, 4, 1)),  # April 2024 .. April 2025
        (36, date(2022, 5, 1)),
    ],
)
def test_every_window_length_reads_the_same_rows(con, months, oldest):
    rows = window(con, APRIL_2025, months)
    assert len(rows) == months
    assert [back for _, back in rows] == list(range(months))
    assert rows[-1] == (oldest, months - 1)


def test_the_first_windows_are_clipped_at_the_calendars_first_month_only(con):
    # The calendar starts in January 2000: February 2000 has two months, whatever the length.
    assert window(con, date(2000, 2, 1), 12) == [(date(2000, 2, 1), 0), (date(2000, 1, 1), 1)]
    # An as-of month has one row per calendar month up to it: April 2025 has 25 x 12 + 4 = 304
    # (2000-01 .. 2025-04), December 2099 all 1,200. The first month of data does not clip.
    counts = dict(
        con.execute(
            "select as_of_month, count(*) from intermediate.int_as_of_month_windows"
            " where as_of_month in (?, ?, ?) group by all",
            [date(2000, 1, 1), APRIL_2025, date(2099, 12, 1)],
        ).fetchall()
    )
    assert counts == {date(2000, 1, 1): 1, APRIL_2025: 304, date(2099, 12, 1): 1200}


def test_a_month_refresh_rewrites_only_that_as_of_month(con):
    con.execute(
        "update intermediate.int_as_of_month_windows set months_back = -1"
        " where as_of_month in (?, ?)",
        [date(2025, 3, 1), APRIL_2025],
    )
    result = run_model(con, WINDOWS, "test", {}, MonthWindow(APRIL_2025, date(2025, 5, 1)))
    assert result.rows_written == 304
    assert result.rows_in_table == 720_600  # 1,200 x 1,201 / 2: unchanged
    tampered = con.execute(
        "select as_of_month, count(*) from intermediate.int_as_of_month_windows"
        " where months_back = -1 group by all"
    ).fetchall()
    assert tampered == [(date(2025, 3, 1), 303)]  # March untouched, April rebuilt
    assert window(con, APRIL_2025, 2) == [(date(2025, 4, 1), 0), (date(2025, 3, 1), 1)]
