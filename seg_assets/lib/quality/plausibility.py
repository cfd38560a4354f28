"""Plausibility of a source against itself: the shape of its key values and its measures
(row count, null shares, master-data link rate) compared with the previous run.

Pure functions and the settings of ``plausibility`` in ``config/quality.yaml``; the warehouse
side (profiles and their history) is :mod:`seg_assets.lib.quality.source_profiles`.

A value's *shape* is its character classes after the normalization staging applies to IDs
(trimmed, upper case): each ASCII letter is ``A``, each run of digits ``9`` and every other
character itself, so ``acc-00012`` and ``ACC-7`` both have the shape ``AAA-9``. Letters keep
their count (``SO`` orders and ``C`` customers differ), digit runs do not (IDs grow wider).
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

import duckdb
from pydantic import Field

from seg_assets.lib.config import ConfigModel, PositiveInt, Share

Severity = Literal["error", "warn"]
ShareBand = Annotated[float, Field(gt=0, le=1)]
LEARN = "learn"

_DIGIT_RUN = re.compile(r"[0-9]+")
_ASCII_LETTER = re.compile(r"[A-Z]")
# Characters with a meaning in a regular expression (RE2 and Python agree on these).
_SPECIAL = set(r".^$*+?()[]{}|\/")


class KeyFormatSettings(ConfigModel):
    """How key columns are judged against their pattern (configured or learned)."""

    # Severity of a key column whose values mostly do not match.
    severity: Severity = "error"
    # Share of a column's values that must match its pattern: a swapped or shifted column
    # matches almost nowhere; single odd values are left to staging's quarantine rules.
    mostly: Share = 0.8
    # A shape is learned when the previous run's commonest shapes, at most learned_max_shapes
    # of them, cover this share of its values.
    learned_coverage: Share = 0.95
    learned_max_shapes: PositiveInt = 3


class ShareBandSettings(ConfigModel):
    """A share compared with the previous run's: at most ``band`` (share points) apart."""

    band: ShareBand
    severity: Severity = "warn"


class RowCountSettings(ConfigModel):
    """A row count compared with the previous run's: within ``band`` times it either way."""

    band: Annotated[float, Field(ge=0)] = 0.5
    severity: Severity = "warn"


class Plausibility(ConfigModel):
    """Everything ``plausibility`` in ``config/quality.yaml`` sets."""

    key_format: KeyFormatSettings = KeyFormatSettings()
    row_count: RowCountSettings = RowCountSettings()
    null_share: ShareBandSettings = ShareBandSettings(band=0.1)
    link_rate: ShareBandSettings = ShareBandSettings(band=0.1)


def shape_of(value: str) -> str:
    """The shape of an ID: ``" acc-00012 "`` is ``AAA-9``.

    Parameters
    ----------
    value
        A value as delivered (it is trimmed and upper-cased first, as staging does).
    """
    return _ASCII_LETTER.sub("A", _DIGIT_RUN.sub("9", value.strip().upper()))


# The same shape in DuckDB, over an expression of text.
def shape_sql(expression: str) -> str:
    """SQL computing ``shape_of`` of ``expression`` in DuckDB."""
    return (
        f"regexp_replace(regexp_replace(upper(trim({expression})), '[0-9]+', '9', 'g'),"
        " '[A-Z]', 'A', 'g')"
    )


def shape_regex(shape: str) -> str:
    """A regular expression matching the (normalized) values of ``shape``.

    ``AAA-9`` becomes ``[A-Z]{3}-[0-9]+``, ``A9`` ``[A-Z][0-9]+``; it is matched against the
    whole value.
    """
    parts: list[str] = []
    for run in re.finditer(r"A+|9|.", shape, re.S):
        text = run.group()
        if text.startswith("A"):
            parts.append("[A-Z]" if len(text) == 1 else f"[A-Z]{{{len(text)}}}")
        elif text == "9":
            parts.append("[0-9]+")
        else:
            parts.append(f"\\{text}" if text in _SPECIAL else text)
    return "".join(parts)


@dataclass(frozen=True)
class LearnedShapes:
    """The shapes learned from a previous run's values of a column, and the pattern they make
    (``None`` when no few shapes cover most values: the column has no dominant shape)."""

    shapes: tuple[str, ...]
    covered_share: float
    values: int

    @property
    def pattern(self) -> str | None:
        """The alternation of the shapes' expressions, or None when nothing was learned."""
        if not self.shapes:
            return None
        if len(self.shapes) == 1:
            return shape_regex(self.shapes[0])
        return "|".join(f"({shape_regex(shape)})" for shape in self.shapes)


def learn_shapes(
    shape_counts: Mapping[str, float], coverage: float, max_shapes: int
) -> LearnedShapes:
    """The fewest commonest shapes covering ``coverage`` of the values, if at most
    ``max_shapes`` do.

    Parameters
    ----------
    shape_counts
        Values per shape in the previous run (nulls and blanks left out).
    coverage
        Share of the values the learned shapes must cover.
    max_shapes
        The most shapes a column may have for its shape to be learned.

    Returns
    -------
    LearnedShapes
        With no shapes when the values are too varied (names, free text) or there are none.
    """
    total = sum(shape_counts.values())
    if total <= 0:
        return LearnedShapes((), 0.0, 0)
    ranked = sorted(shape_counts.items(), key=lambda item: (-item[1], item[0]))
    taken: list[str] = []
    covered = 0.0
    for shape, count in ranked[:max_shapes]:
        taken.append(shape)
        covered += count
        if covered / total >= coverage:
            return LearnedShapes(tuple(taken), covered / total, int(total))
    return LearnedShapes((), 0.0, int(total))


@dataclass(frozen=True)
class BandComparison:
    """A measure of this run against the previous run's, within ``[low, high]``."""

    measure: str
    previous: float | None
    current: float | None
    low: float | None
    high: float | None

    @property
    def within(self) -> bool:
        """Inside the band, or nothing to compare with (no previous run, no current value)."""
        if self.previous is None or self.current is None:
            return True
        return (self.low is None or self.current >= self.low) and (
            self.high is None or self.current <= self.high
        )

    def describe(self) -> str:
        """``null share of city 0.62, previous 0.01 (allowed 0.00..0.11)``."""
        if self.previous is None:
            return f"{self.measure} {_number(self.current)}, no previous run to compare with"
        return (
            f"{self.measure} {_number(self.current)}, previous {_number(self.previous)}"
            f" (allowed {_number(self.low)}..{_number(self.high)})"
        )


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}"


def share_band(
    measure: str, previous: float | None, current: float | None, band: float
) -> BandComparison:
    """A share (0..1) compared with the previous run's, at most ``band`` share points apart.

    Parameters
    ----------
    measure
        What the share is, for messages (``null share of city``).
    previous, current
        The shares; ``None`` when unknown (no previous run, no rows).
    band
        Allowed absolute change.
    """
    if previous is None:
        return BandComparison(measure, None, current, None, None)
    low, high = max(0.0, previous - band), min(1.0, previous + band)
    # Shares are ratios of counts: compare at a precision that does not flag float noise.
    return BandComparison(measure, previous, current, round(low, 9), round(high, 9))


def count_band(measure: str, previous: int | None, current: int, band: float) -> BandComparison:
    """A count compared with the previous run's, within ``band`` times it either way (the
    bounds rounded outwards, as the suites' ``previous_row_count`` parameters are)."""
    if previous is None:
        return BandComparison(measure, None, current, None, None)
    low, high = math.floor(previous * (1 - band)), math.ceil(previous * (1 + band))
    return BandComparison(measure, previous, current, max(low, 0), high)


def regex_problem(pattern: str) -> str | None:
    """Why DuckDB cannot use ``pattern`` as a regular expression, or None when it can."""
    if not pattern:
        return "an empty pattern matches nothing"
    # The patterns run in DuckDB (RE2, no look-arounds): checked by the engine that runs them.
    try:
        with duckdb.connect() as engine:
            engine.execute(
                "select regexp_full_match('', $pattern)", {"pattern": pattern}
            ).fetchall()
    except duckdb.Error as error:
        reason = str(error).removeprefix("Invalid Input Error: ")
        return f"{pattern!r} is not a regular expression DuckDB can run: {reason}"
    return None


@dataclass(frozen=True)
class KeyColumnFormat:
    """How the values of one key column of a source fit its pattern.

    ``pattern`` is None when there is none to judge by (nothing configured and no shape
    learned): the column then passes, and its shapes are recorded for the next run.
    ``look_alikes`` are other columns of the source whose values do match the pattern, with
    their share: the sign of swapped or shifted columns.
    """

    source: str
    column: str
    pattern: str | None
    origin: str
    values: int
    matching: int
    mostly: float
    failing_sample: tuple[tuple[str, int | None], ...] = ()
    look_alikes: tuple[tuple[str, float], ...] = ()

    @property
    def share(self) -> float | None:
        """Share of the values matching; None when there are no values or no pattern."""
        if self.pattern is None or not self.values:
            return None
        return self.matching / self.values

    @property
    def failed(self) -> bool:
        """Fewer than ``mostly`` of the values match."""
        return self.share is not None and self.share < self.mostly

    def describe(self) -> str:
        """What is off, e.g. ``crm__accounts.account_id: 0 of 9 values (0 %) match ...``."""
        where = f"{self.source}.{self.column}"
        if self.pattern is None:
            return f"{where}: not checked: {self.origin}"
        if self.share is None:
            return f"{where}: no values to check against {self.pattern} ({self.origin})"
        text = (
            f"{where}: {self.matching} of {self.values} values ({self.share:.0%}) match"
            f" {self.pattern} ({self.origin})"
        )
        if not self.failed:
            return text
        text += f", at least {self.mostly:.0%} must"
        if self.failing_sample:
            text += "; e.g. " + ", ".join(
                f"{value!r}" + ("" if row is None else f" (row {row})")
                for value, row in self.failing_sample[:3]
            )
        if self.look_alikes:
            listed = ", ".join(f"{column} ({share:.0%})" for column, share in self.look_alikes)
            text += f"; values of this shape are in {listed}: columns swapped or shifted?"
        return text
