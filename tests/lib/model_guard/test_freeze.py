"""Freeze windows: whole UTC days with inclusive boundaries, and the windows of
config/automation.yaml (guard.freeze_windows) refused by file, line and key."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from seg_assets.lib.automation.settings import (
    AutomationConfigError,
    default_automation_settings_path,
    load_automation_settings,
)
from seg_assets.lib.model_guard.freeze import FreezeWindow, active_freeze

YEAR_END = FreezeWindow(start=date(2026, 12, 15), end=date(2027, 1, 5), reason="year-end close")
INVENTORY = FreezeWindow(start=date(2027, 1, 5), end=date(2027, 1, 9), reason="inventory count")
WINDOWS = (YEAR_END, INVENTORY)
WHERE = "guard.freeze_windows"


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
    with pytest.raises(ValueError, match="2026-12-15 is before start 2027-01-05"):
        FreezeWindow(start=date(2027, 1, 5), end=date(2026, 12, 15), reason="backwards")


def _with_windows(tmp_path: Path, windows: object) -> Path:
    """The shipped automation settings with ``guard.freeze_windows`` replaced."""
    document = yaml.safe_load(default_automation_settings_path().read_text())
    document["guard"]["freeze_windows"] = windows
    path = tmp_path / "automation.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_config_accepts_yaml_dates_and_iso_strings(tmp_path: Path):
    entries = [
        {"start": date(2026, 12, 15), "end": date(2027, 1, 5), "reason": "year-end close"},
        {"start": "2027-01-05", "end": " 2027-01-09 ", "reason": "  inventory count "},
        {"start": "2027-03-01", "end": "2027-03-01", "reason": "one day"},
    ]
    settings = load_automation_settings(_with_windows(tmp_path, entries))
    assert settings.guard.freeze_windows == (
        YEAR_END,
        INVENTORY,
        FreezeWindow(start=date(2027, 3, 1), end=date(2027, 3, 1), reason="one day"),
    )


@pytest.mark.parametrize("windows", [None, []])
def test_config_without_windows_has_no_freeze(tmp_path: Path, windows: object):
    path = _with_windows(tmp_path, windows)
    if windows is None:
        document = yaml.safe_load(path.read_text())
        del document["guard"]["freeze_windows"]
        path.write_text(yaml.safe_dump(document))
    assert load_automation_settings(path).guard.freeze_windows == ()


GOOD = {"start": "2026-12-15", "end": "2027-01-05", "reason": "year-end close"}


@pytest.mark.parametrize(
    ("entries", "key", "message"),
    [
        pytest.param({"start": "2026-12-15"}, WHERE, "should be a list", id="not-a-list"),
        pytest.param([GOOD, "2026-12-15"], f"{WHERE}[1]", "should be a mapping", id="text"),
        pytest.param([GOOD, None], f"{WHERE}[1]", "should be a mapping", id="null"),
        pytest.param(
            [{**GOOD, "start": None}], f"{WHERE}[0].start", "None is not a date", id="null-start"
        ),
        pytest.param(
            [{"end": "2027-01-05", "reason": "x"}], f"{WHERE}[0].start", "required", id="no-start"
        ),
        pytest.param(
            [{**GOOD, "start": "2026-13-01"}],
            f"{WHERE}[0].start",
            "'2026-13-01' is not a date; give it as YYYY-MM-DD",
            id="month-13",
        ),
        pytest.param(
            [{**GOOD, "start": 20261215}], f"{WHERE}[0].start", "is not a date", id="start-number"
        ),
        pytest.param(
            [{**GOOD, "end": "next week"}], f"{WHERE}[0].end", "is not a date", id="words"
        ),
        pytest.param([GOOD, {**GOOD, "end": None}], f"{WHERE}[1].end", "not a date", id="null-end"),
        pytest.param(
            [{**GOOD, "start": datetime(2026, 12, 15, 8, 0)}],
            f"{WHERE}[0].start",
            "has a time of day",
            id="time-of-day",
        ),
        pytest.param(
            [{**GOOD, "start": "2027-01-06", "end": "2027-01-05"}],
            f"{WHERE}[0].end",
            "2027-01-05 is before start 2027-01-06",
            id="backwards",
        ),
        pytest.param([{**GOOD, "reason": ""}], f"{WHERE}[0].reason", "say why", id="empty-reason"),
        pytest.param([{**GOOD, "reason": "   "}], f"{WHERE}[0].reason", "say why", id="blank"),
        pytest.param(
            [{"start": GOOD["start"], "end": GOOD["end"]}],
            f"{WHERE}[0].reason",
            "required",
            id="no-reason",
        ),
        pytest.param(
            [{**GOOD, "reason": 42}],
            f"{WHERE}[0].reason",
            "valid string (got 42)",
            id="reason-number",
        ),
        pytest.param(
            [{**GOOD, "until": "2027-01-05"}],
            f"{WHERE}[0].until",
            "unknown key; expected one of start, end, reason",
            id="unknown-key",
        ),
        pytest.param(
            [{**GOOD, "reasn": "typo"}],
            f"{WHERE}[0].reasn",
            "unknown key; did you mean reason?",
            id="misspelt-key",
        ),
    ],
)
def test_config_errors_name_file_line_and_key(
    tmp_path: Path, entries: object, key: str, message: str
):
    path = _with_windows(tmp_path, entries)
    with pytest.raises(AutomationConfigError) as raised:
        load_automation_settings(path)
    text = str(raised.value)
    assert re.search(rf"line \d+, column \d+: {re.escape(key)}: ", text), text
    assert text.startswith(f"{path}: ")
    assert message in text
