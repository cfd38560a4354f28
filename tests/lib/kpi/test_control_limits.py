"""EWMA control limits on hand-built series: a step is flagged in its month, a stable noisy
series raises no alert, gaps and short histories are handled."""

import math

import numpy as np
import pytest

from seg_assets.lib.kpi.control_limits import ewma_control_points

STABLE_THEN_STEP = np.array([10, 11, 9, 10, 11, 9, 10, 20], dtype=float)


def test_the_limits_match_the_hand_computed_ones():
    points = ewma_control_points(STABLE_THEN_STEP, smoothing=0.3, sigmas=3, min_history=6)
    assert [p.index for p in points] == [6, 7]
    # EWMA from 10: 10.3, 9.91, 9.937, 10.2559, 9.87913, then 9.915391 after the 7th value.
    # Moving ranges of the first seven values: 1, 2, 1, 1, 2, 1 -> sigma = (8 / 6) / 1.128;
    # forecast error factor sqrt(2 / 1.7).
    step = points[1]
    width = 3 * (8 / 6) / 1.128 * math.sqrt(2 / 1.7)
    assert step.expected == pytest.approx(9.915391)
    assert (step.lower, step.upper) == pytest.approx((9.915391 - width, 9.915391 + width))
    assert step.direction == "above"
    assert points[0].direction is None


def test_a_step_down_is_flagged_below_in_its_month():
    points = ewma_control_points(100 - STABLE_THEN_STEP, 0.3, 3, 6)
    assert [(p.index, p.direction) for p in points] == [(6, None), (7, "below")]


def test_a_stable_noisy_series_raises_no_alert():
    rng = np.random.default_rng(7)
    series = 100 + rng.normal(0, 5, 36)
    points = ewma_control_points(series, 0.3, 3.5, 6)
    assert len(points) == 30
    assert [p for p in points if p.direction] == []


@pytest.mark.parametrize(("sigmas", "max_rate"), [(3.0, 0.02), (3.5, 0.01)])
def test_the_false_alarm_rate_on_stable_series(sigmas, max_rate):
    # Measured 1.4 % at three sigma and 0.65 % at 3.5 (0.27 % and 0.05 % with a known sigma):
    # a sigma estimated from six to thirty months is itself uncertain, hence the wider default.
    rng = np.random.default_rng(11)
    judged = [
        p for _ in range(400) for p in ewma_control_points(rng.normal(0, 1, 36), 0.3, sigmas, 6)
    ]
    alarms = sum(p.direction is not None for p in judged) / len(judged)
    assert alarms < max_rate


def test_months_without_a_value_are_skipped():
    series = np.array([10, np.nan, 11, 9, 10, 11, np.nan, 9, 30])
    points = ewma_control_points(series, 0.3, 3, 6)
    assert [(p.index, p.direction) for p in points] == [(8, "above")]


def test_too_short_a_history_judges_nothing():
    assert ewma_control_points(np.array([1.0, 2.0, 3.0]), 0.3, 3, 6) == []


def test_a_flat_history_flags_any_change():
    points = ewma_control_points(np.array([5.0, 5, 5, 5, 5.1]), 0.5, 3, 4)
    assert points[-1].direction == "above"


@pytest.mark.parametrize(("smoothing", "min_history"), [(0, 6), (1.5, 6), (0.3, 1)])
def test_impossible_settings_are_refused(smoothing, min_history):
    with pytest.raises(ValueError, match="must be"):
        ewma_control_points(STABLE_THEN_STEP, smoothing, 3, min_history)
