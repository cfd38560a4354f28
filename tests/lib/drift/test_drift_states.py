"""ok/watch/act classification at and around its thresholds."""

import pytest

from seg_assets.lib.drift.states import STATES, classify, worst


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "ok"), (0.0999, "ok"), (0.1, "watch"), (0.2499, "watch"), (0.25, "act"), (3.0, "act")],
)
def test_classify_higher_is_worse_at_the_boundaries(value, expected):
    # PSI-like: watch from 0.1, act from 0.25, both inclusive.
    assert classify(value, watch=0.1, act=0.25) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.9, "ok"), (0.7001, "ok"), (0.7, "watch"), (0.5001, "watch"), (0.5, "act"), (0.0, "act")],
)
def test_classify_lower_is_worse_at_the_boundaries(value, expected):
    # Stability-like: watch at or below 0.7, act at or below 0.5.
    assert classify(value, watch=0.7, act=0.5, lower_is_worse=True) == expected


@pytest.mark.parametrize("value", [None, float("nan")])
def test_classify_without_a_value_is_ok(value):
    assert classify(value, watch=0.1, act=0.25) == "ok"
    assert classify(value, watch=0.7, act=0.5, lower_is_worse=True) == "ok"


def test_classify_allows_equal_thresholds():
    # watch == act: nothing is "watch", at the threshold it is already "act".
    assert classify(0.2, watch=0.2, act=0.2) == "act"
    assert classify(0.1, watch=0.2, act=0.2) == "ok"


def test_classify_rejects_watch_beyond_act():
    with pytest.raises(ValueError, match=r"watch threshold 0\.3 lies beyond act threshold 0\.25"):
        classify(0.0, watch=0.3, act=0.25)
    with pytest.raises(ValueError, match=r"watch threshold 0\.4 lies beyond act threshold 0\.5"):
        classify(None, watch=0.4, act=0.5, lower_is_worse=True)
    with pytest.raises(ValueError, match="thresholds must be numbers"):
        classify(0.0, watch=float("nan"), act=0.25)


def test_worst():
    assert STATES == ("ok", "watch", "act")
    assert worst([]) == "ok"
    assert worst(["ok", "ok"]) == "ok"
    assert worst(iter(["watch", "ok"])) == "watch"
    assert worst(["ok", "act", "watch"]) == "act"


def test_worst_rejects_an_unknown_state():
    with pytest.raises(ValueError, match="unknown drift state 'alert'"):
        worst(["ok", "alert"])
