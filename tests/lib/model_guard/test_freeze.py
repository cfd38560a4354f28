"""Freeze windows: whole UTC days with inclusive boundaries, and config entries refused by key."""

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from seg_assets.lib.config_reader import ConfigReader
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.model_guard.freeze import (
    FreezeWindow,
    active_freeze,
    freeze_windows_from_config,
)

YEAR_END = FreezeWindow(date(2026, 12, 15), date(2027, 1, 5), "year-end close")
INVENTORY = FreezeWindow(date(2027, 1, 5), date(2027, 1, 9), "inventory count")
WINDOWS = (YEAR_END, INVENTORY)
CONFIG_FILE = Path("config/model_guard.yaml")
WHERE = "model_guard.freeze_windows"


class GuardConfigError(SegAssetsError):
    """The configuration error of these tests."""


@pytest.fixture
def reader() -> ConfigReader:
    return ConfigReader(CONFIG_FILE, GuardConfigError)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # The last moment of the day before the start is outside.
        (datetime(2026, 12, 14, 23, 59, 59, 999999), None),
        (datetime(2026, 12, 15, 0, 0), YEAR_END),
        (datetime(2026, 12, 31, 12, 0), YEAR_END),
        # Day 2027-01-05 is in both windows: the first listed wins.
        (datetime(2027, 1, 5, 23, 59, 59, 999000), YEAR_END),
        (datetime(2027, 1, 9, 23, 59), INVENTORY),
        (datetime(2027, 1, 10, 0, 0), None),
        (datetime(2026, 12, 15, 0, 0, tzinfo=UTC), YEAR_END),
    ],
)
def test_active_freeze_counts_whole_days_inclusive(at: datetime, expected: FreezeWindow | None):
    assert active_freeze(WINDOWS, at) == expected


def test_active_freeze_converts_aware_times_to_utc_before_taking_the_day():
    new_york = timezone(timedelta(hours=-5))
    tokyo = timezone(timedelta(hours=9))
    # 2026-12-14 20:00 in New York is 2026-12-15 01:00 UTC: inside, though the local day is not.
    assert active_freeze(WINDOWS, datetime(2026, 12, 14, 20, 0, tzinfo=new_york)) == YEAR_END
    # 2027-01-10 08:00 in Tokyo is 2027-01-09 23:00 UTC: still the last day of the inventory.
    assert active_freeze(WINDOWS, datetime(2027, 1, 10, 8, 0, tzinfo=tokyo)) == INVENTORY
    # 2026-12-15 08:00 in Tokyo is 2026-12-14 23:00 UTC: the day before the freeze.
    assert active_freeze(WINDOWS, datetime(2026, 12, 15, 8, 0, tzinfo=tokyo)) is None


def test_no_windows_no_freeze():
    assert active_freeze((), datetime(2026, 12, 20)) is None


def test_label_names_days_and_reason():
    assert YEAR_END.label == "2026-12-15..2027-01-05 (year-end close)"


def test_window_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        FreezeWindow(date(2027, 1, 5), date(2026, 12, 15), "backwards")


def test_config_accepts_yaml_dates_and_iso_strings(reader: ConfigReader):
    entries = [
        {"start": date(2026, 12, 15), "end": date(2027, 1, 5), "reason": "year-end close"},
        {"start": "2027-01-05", "end": " 2027-01-09 ", "reason": "  inventory count "},
        {"start": "2027-03-01", "end": "2027-03-01", "reason": "one day"},
    ]
    assert freeze_windows_from_config(entries, reader, WHERE) == (
        YEAR_END,
        INVENTORY,
        FreezeWindow(date(2027, 3, 1), date(2027, 3, 1), "one day"),
    )


def test_config_absent_list_is_no_windows(reader: ConfigReader):
    assert freeze_windows_from_config(None, reader, WHERE) == ()
    assert freeze_windows_from_config([], reader, WHERE) == ()


GOOD = {"start": "2026-12-15", "end": "2027-01-05", "reason": "year-end close"}


@pytest.mark.parametrize(
    ("entries", "key", "message"),
    [
        ({"start": "2026-12-15"}, WHERE, "expected a list"),
        ([GOOD, "2026-12-15"], f"{WHERE}[1]", "expected a mapping"),
        ([GOOD, None], f"{WHERE}[1]", "expected a mapping"),
        ([{**GOOD, "start": None}], f"{WHERE}[0].start", "missing"),
        ([{"end": "2027-01-05", "reason": "x"}], f"{WHERE}[0].start", "missing"),
        ([{**GOOD, "start": "2026-13-01"}], f"{WHERE}[0].start", "is not a date"),
        ([{**GOOD, "start": 20261215}], f"{WHERE}[0].start", "is not a date"),
        ([{**GOOD, "end": "next week"}], f"{WHERE}[0].end", "is not a date"),
        ([GOOD, {**GOOD, "end": None}], f"{WHERE}[1].end", "missing"),
        (
            [{**GOOD, "start": datetime(2026, 12, 15, 8, 0)}],
            f"{WHERE}[0].start",
            "has a time of day",
        ),
        (
            [{**GOOD, "start": "2027-01-06", "end": "2027-01-05"}],
            f"{WHERE}[0].end",
            "2027-01-05 is before start 2027-01-06",
        ),
        ([{**GOOD, "reason": ""}], f"{WHERE}[0].reason", "non-empty"),
        ([{**GOOD, "reason": "   "}], f"{WHERE}[0].reason", "non-empty"),
        ([{"start": GOOD["start"], "end": GOOD["end"]}], f"{WHERE}[0].reason", "non-empty"),
        ([{**GOOD, "reason": 42}], f"{WHERE}[0].reason", "non-empty"),
    ],
)
def test_config_errors_name_file_and_key(
    reader: ConfigReader, entries: object, key: str, message: str
):
    with pytest.raises(GuardConfigError) as raised:
        freeze_windows_from_config(entries, reader, WHERE)
    text = str(raised.value)
    assert text.startswith(f"{CONFIG_FILE}: {key}: ")
    assert message in text
