"""EWMA control limits for monthly KPI series, and the months that fall outside them.

Each month is compared with what the months before it lead to expect: the exponentially
weighted moving average of the earlier values (a one-step-ahead forecast, so a step change is
flagged in the month it happens), with limits at ``sigmas`` standard deviations of the forecast
error. The process standard deviation comes from the average moving range of the earlier
values (Shewhart's individuals-chart estimate, ``mean |x_t - x_{t-1}| / 1.128``, robust to slow
trends); a one-step EWMA forecast of independent values errs with variance
``sigma^2 (1 + lambda / (2 - lambda)) = sigma^2 x 2 / (2 - lambda)``.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np

# d2 for moving ranges of two consecutive values: E|X1 - X2| = 1.128 sigma for normal X.
MOVING_RANGE_D2 = 1.128

Direction = Literal["below", "above"]


@dataclass(frozen=True)
class ControlPoint:
    """One month of a series judged against the months before it.

    Attributes
    ----------
    index
        Position of the month in the series.
    value
        The month's value.
    expected
        EWMA of the earlier values.
    lower, upper
        Control limits: ``expected -/+ sigmas x`` the forecast error's standard deviation.
    direction
        ``"below"`` or ``"above"`` when the value is outside the limits, else None.
    """

    index: int
    value: float
    expected: float
    lower: float
    upper: float
    direction: Direction | None


def ewma_control_points(
    values: np.ndarray, smoothing: float, sigmas: float, min_history: int
) -> list[ControlPoint]:
    """Judge every month that has ``min_history`` earlier values against its EWMA limits.

    Parameters
    ----------
    values
        The series in month order; NaN marks a month without a value (skipped, and not part
        of any other month's history).
    smoothing
        EWMA weight of the newest value, lambda in (0, 1].
    sigmas
        Width of the limits in estimated standard deviations.
    min_history
        Earlier values a month needs before it is judged (at least 2: a moving range needs
        two).

    Returns
    -------
    list of ControlPoint
        One per judged month, in order. A flat history (zero moving range) gives zero-width
        limits: any change is outside them.
    """
    if not 0 < smoothing <= 1:
        raise ValueError(f"smoothing must be in (0, 1], got {smoothing}")
    if min_history < 2:
        raise ValueError(f"min_history must be at least 2, got {min_history}")
    present = np.flatnonzero(~np.isnan(values))
    observed = values[present]
    forecast_error = np.sqrt(2 / (2 - smoothing))
    points = []
    expected = float(observed[0]) if observed.size else 0.0
    for position in range(1, observed.size):
        if position >= min_history:
            history = observed[:position]
            sigma = float(np.mean(np.abs(np.diff(history)))) / MOVING_RANGE_D2
            width = sigmas * sigma * forecast_error
            value = float(observed[position])
            lower, upper = expected - width, expected + width
            direction: Direction | None = None
            if value < lower:
                direction = "below"
            elif value > upper:
                direction = "above"
            points.append(
                ControlPoint(int(present[position]), value, expected, lower, upper, direction)
            )
        expected = smoothing * float(observed[position]) + (1 - smoothing) * expected
    return points
