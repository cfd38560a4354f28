"""Traffic-light states for drift measures: ok, watch, act."""

import math
from collections.abc import Iterable

STATES = ("ok", "watch", "act")


def classify(value: float | None, watch: float, act: float, lower_is_worse: bool = False) -> str:
    """State of one measure against its watch and act thresholds.

    Parameters
    ----------
    value : float or None
        The measure; None or NaN gives "ok", as there is nothing to judge.
    watch : float
        Threshold at or beyond which the measure is worth watching.
    act : float
        Threshold at or beyond which someone should act.
    lower_is_worse : bool, default False
        True for measures where low is bad (a confidence, a stability score): "beyond" then
        means at or below.

    Returns
    -------
    str
        One of :data:`STATES`.

    Raises
    ------
    ValueError
        If a threshold is NaN or ``watch`` lies beyond ``act``.
    """
    if math.isnan(watch) or math.isnan(act):
        raise ValueError(f"thresholds must be numbers, got watch={watch} and act={act}")
    if (watch < act) if lower_is_worse else (watch > act):
        direction = "below" if lower_is_worse else "above"
        raise ValueError(
            f"watch threshold {watch} lies beyond act threshold {act}; with "
            f"lower_is_worse={lower_is_worse} watch must not be {direction} act"
        )
    if value is None or math.isnan(value):
        return "ok"
    if lower_is_worse:
        value, watch, act = -value, -watch, -act
    if value >= act:
        return "act"
    if value >= watch:
        return "watch"
    return "ok"


def worst(states: Iterable[str]) -> str:
    """Most severe of ``states``; "ok" when there are none.

    Parameters
    ----------
    states : Iterable[str]
        States from :data:`STATES`.

    Returns
    -------
    str
        The state latest in :data:`STATES`.

    Raises
    ------
    ValueError
        If a state is not one of :data:`STATES`.
    """
    severity = -1
    for state in states:
        if state not in STATES:
            raise ValueError(f"unknown drift state {state!r}; expected one of {', '.join(STATES)}")
        severity = max(severity, STATES.index(state))
    return STATES[max(severity, 0)]
