"""Change-freeze windows: whole days on which no retrained model replaces the serving one."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from seg_assets.lib.config_reader import ConfigReader


@dataclass(frozen=True)
class FreezeWindow:
    """Days, ``start`` to ``end`` inclusive, on which models are not replaced.

    Attributes
    ----------
    start, end : date
        First and last frozen day (UTC calendar days).
    reason : str
        Why the freeze holds, shown in the guard decision.
    """

    start: date
    end: date
    reason: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"freeze window ends {self.end} before it starts {self.start}")

    def contains(self, day: date) -> bool:
        """Whether ``day`` is one of the frozen days."""
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        """``start..end (reason)``, as named in guard reasons."""
        return f"{self.start.isoformat()}..{self.end.isoformat()} ({self.reason})"


def active_freeze(windows: Sequence[FreezeWindow], at: datetime) -> FreezeWindow | None:
    """The first window holding the UTC calendar day of ``at``, or None.

    Parameters
    ----------
    windows : Sequence[FreezeWindow]
        Freeze windows in configuration order; overlapping windows are allowed.
    at : datetime
        The moment of the decision; a timezone-aware value is converted to UTC, a naive one
        is taken as UTC already.

    Returns
    -------
    FreezeWindow | None
        The first window whose days include that day (its start day from 00:00, its end day
        until the end of the day), None when no freeze is active.
    """
    if at.tzinfo is not None and at.utcoffset() is not None:
        at = at.astimezone(UTC)
    day = at.date()
    return next((window for window in windows if window.contains(day)), None)


def freeze_windows_from_config(
    entries: object, reader: ConfigReader, where: str
) -> tuple[FreezeWindow, ...]:
    """Freeze windows from a YAML list of ``{start, end, reason}`` entries.

    Parameters
    ----------
    entries : object
        The YAML value: a list of mappings (None, an absent entry, means no freeze windows).
        ``start`` and ``end`` are dates as YAML reads them or ISO ``YYYY-MM-DD`` strings.
    reader : ConfigReader
        Reader of the configuration file, which raises its error type naming file and key.
    where : str
        Key of the list in the file, e.g. ``model_guard.freeze_windows``.

    Returns
    -------
    tuple[FreezeWindow, ...]
        The windows in file order.

    Raises
    ------
    SegAssetsError
        ``reader``'s error type, naming ``where[i].start``, ``where[i].end`` or
        ``where[i].reason``: a missing or invalid date, an end before the start, an empty reason.
    """
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise reader.fail(
            where, f"expected a list of {{start, end, reason}} freeze windows, got {entries!r}"
        )
    return tuple(
        _freeze_window(entry, reader, f"{where}[{index}]") for index, entry in enumerate(entries)
    )


def _freeze_window(entry: Any, reader: ConfigReader, where: str) -> FreezeWindow:
    if entry is None or not isinstance(entry, dict):
        raise reader.fail(where, f"expected a mapping with start, end and reason, got {entry!r}")
    start = _day(entry.get("start"), reader, f"{where}.start")
    end = _day(entry.get("end"), reader, f"{where}.end")
    if end < start:
        raise reader.fail(f"{where}.end", f"{end.isoformat()} is before start {start.isoformat()}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise reader.fail(
            f"{where}.reason", f"{reason!r}: say why the freeze holds (a non-empty text)"
        )
    return FreezeWindow(start=start, end=end, reason=reason.strip())


def _day(value: Any, reader: ConfigReader, where: str) -> date:
    if value is None:
        raise reader.fail(where, "missing; give a date as YYYY-MM-DD")
    # datetime is a subclass of date: a time of day would make the window a part of a day.
    if isinstance(value, datetime):
        raise reader.fail(where, f"{value!r} has a time of day; give a whole day as YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise reader.fail(where, f"{value!r} is not a date; give it as YYYY-MM-DD")
