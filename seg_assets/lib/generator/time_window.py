"""The order window: month boundaries and date arithmetic on numpy ``datetime64[D]``."""

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TimeWindow:
    """``months`` calendar months from ``start``; extracts are taken ``extract_lag_days`` later."""

    start: dt.date
    months: int
    extract_lag_days: int

    @property
    def month_starts(self) -> np.ndarray:
        """First day of each month plus the day after the window (``months + 1`` dates)."""
        first = np.datetime64(self.start, "M")
        return (first + np.arange(self.months + 1)).astype("datetime64[D]")

    @property
    def first_day(self) -> np.datetime64:
        """First day of the window."""
        return self.month_starts[0]

    @property
    def last_day(self) -> np.datetime64:
        """Last day of the window (inclusive)."""
        return self.month_starts[-1] - np.timedelta64(1, "D")

    @property
    def extract_date(self) -> np.datetime64:
        """Day the extracts are taken; events after it are not in the files yet."""
        return self.last_day + np.timedelta64(self.extract_lag_days, "D")

    @property
    def days_in_month(self) -> np.ndarray:
        """Number of days of each month of the window."""
        return np.diff(self.month_starts).astype(np.int64)

    def month_index(self, dates: np.ndarray) -> np.ndarray:
        """Month number (0-based) of each date; dates outside the window give -1."""
        months = dates.astype("datetime64[M]") - np.datetime64(self.start, "M")
        index = months.astype(np.int64)
        return np.where((index >= 0) & (index < self.months), index, -1)

    def calendar_month(self, month: int) -> int:
        """Calendar month (1..12) of window month ``month``."""
        return (self.start.month - 1 + month) % 12 + 1


def add_days(dates: np.ndarray, days: np.ndarray | int) -> np.ndarray:
    """Shift ``datetime64[D]`` dates by whole days."""
    return dates + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")


def days_between(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Whole days from ``earlier`` to ``later`` as int64."""
    return (later - earlier).astype("timedelta64[D]").astype(np.int64)
