"""Change-freeze windows: whole days on which no retrained model replaces the serving one.

The windows are read from ``guard.freeze_windows`` of ``config/automation.yaml``.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BeforeValidator, model_validator

from seg_assets.lib.config import ConfigModel, InvalidEntry


def _whole_day(value: object) -> object:
    """A date as YAML reads it or an ISO ``YYYY-MM-DD`` text; never a moment of a day."""
    # datetime is a subclass of date: a time of day would make the window a part of a day.
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} has a time of day; give a whole day as YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; give it as YYYY-MM-DD")


def _stated_reason(value: str) -> str:
    reason = value.strip()
    if not reason:
        raise ValueError("say why the freeze holds (a non-empty text)")
    return reason


FrozenDay = Annotated[date, BeforeValidator(_whole_day)]


class FreezeWindow(ConfigModel):
    """Days, ``start`` to ``end`` inclusive, on which models are not replaced.

    Attributes
    ----------
    start, end : date
        First and last frozen day (UTC calendar days); a date or ``YYYY-MM-DD`` text.
    reason : str
        Why the freeze holds, shown in the guard decision (surrounding blanks dropped).
    """

    start: FrozenDay
    end: FrozenDay
    reason: Annotated[str, AfterValidator(_stated_reason)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise InvalidEntry(
                "end", f"{self.end.isoformat()} is before start {self.start.isoformat()}"
            )
        return self

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
