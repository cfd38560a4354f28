"""Drift episodes: the drift sensor asks for one retrain per episode, not one per tick.

An episode is an unbroken stretch in which the newest published month is in ``act`` under the
same model version. It opens on the first such evaluation (that one asks for a retrain) and
closes when the newest month is no longer in act (a retrain republished it, or the drift
passed). While the guard keeps a retrained model pending, the old version stays published and
in act: the same episode, so no second request.
"""

from dataclasses import dataclass, field

from seg_assets.lib.automation.snapshot import MonthDrift

_HISTORY = 20


@dataclass(frozen=True)
class EpisodeCursor:
    """The sensor's memory: the open episode's model version, and the last retrains asked."""

    open_version: str | None = None
    fired: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        """Plain data for the sensor cursor."""
        return {"open_version": self.open_version, "fired": list(self.fired)}

    @classmethod
    def from_json(cls, data: dict[str, object] | None) -> "EpisodeCursor":
        """Read what :meth:`to_json` wrote (an empty cursor when ``data`` is None)."""
        if not data:
            return cls()
        return cls(data.get("open_version"), tuple(data.get("fired") or ()))  # type: ignore[arg-type]


@dataclass(frozen=True)
class EpisodeStep:
    """One evaluation: whether to ask for a retrain, why, and the cursor after it."""

    retrain: bool
    reason: str
    cursor: EpisodeCursor


def evaluate(cursor: EpisodeCursor, newest: MonthDrift | None) -> EpisodeStep:
    """Advance the episode state with the newest month's drift."""
    if newest is None:
        return EpisodeStep(False, "no drift history in the serving snapshot yet", cursor)
    month = newest.month.isoformat()
    if newest.state != "act":
        closed = EpisodeCursor(None, cursor.fired)
        return EpisodeStep(False, f"{month} is {newest.state} under {newest.model_version}", closed)
    if newest.reference_month == newest.month:
        # A model trained on the month cannot drift from itself: nothing a retrain would change.
        return EpisodeStep(False, f"{month} was trained by {newest.model_version}", cursor)
    if cursor.open_version == newest.model_version:
        return EpisodeStep(
            False,
            f"{month} still in act under {newest.model_version}: retrain already asked for",
            cursor,
        )
    entry = f"{month}:{newest.model_version}"
    opened = EpisodeCursor(newest.model_version, (*cursor.fired, entry)[-_HISTORY:])
    return EpisodeStep(
        True, f"{month} in act under {newest.model_version}: {newest.detail}", opened
    )
