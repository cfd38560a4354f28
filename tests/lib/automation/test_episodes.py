"""Drift episodes: one retrain asked per episode, however many ticks see it."""

from datetime import date

from seg_assets.lib.automation.episodes import EpisodeCursor, evaluate
from seg_assets.lib.automation.snapshot import MonthDrift

AUGUST = date(2026, 8, 1)


def _drift(state: str, version: str = "2026-07-aaa", month: date = AUGUST) -> MonthDrift:
    return MonthDrift(month, version, date(2026, 7, 1), state, "PSI of order frequency 0.3")


def test_an_episode_fires_once_then_stays_quiet_while_it_lasts():
    first = evaluate(EpisodeCursor(), _drift("act"))
    assert first.retrain
    assert "PSI of order frequency 0.3" in first.reason
    second = evaluate(first.cursor, _drift("act"))
    third = evaluate(second.cursor, _drift("act"))
    assert not second.retrain and not third.retrain
    assert "already asked" in third.reason
    assert third.cursor.fired == ("2026-08-01:2026-07-aaa",)


def test_the_episode_closes_when_the_month_leaves_act_and_a_new_one_fires_again():
    opened = evaluate(EpisodeCursor(), _drift("act")).cursor
    calm = evaluate(opened, _drift("watch"))
    assert not calm.retrain and calm.cursor.open_version is None
    again = evaluate(calm.cursor, _drift("act"))
    assert again.retrain
    assert len(again.cursor.fired) == 2


def test_a_new_model_in_act_is_a_new_episode():
    opened = evaluate(EpisodeCursor(), _drift("act")).cursor
    later = evaluate(opened, _drift("act", "2026-08-bbb", date(2026, 9, 1)))
    assert later.retrain
    assert later.cursor.open_version == "2026-08-bbb"


def test_a_month_trained_by_its_own_model_never_asks_and_nothing_published_asks_nothing():
    trained = MonthDrift(AUGUST, "2026-08-bbb", AUGUST, "act", "")
    assert not evaluate(EpisodeCursor(), trained).retrain
    assert not evaluate(EpisodeCursor(), None).retrain


def test_the_cursor_round_trips_through_json():
    cursor = evaluate(EpisodeCursor(), _drift("act")).cursor
    assert EpisodeCursor.from_json(cursor.to_json()) == cursor
    assert EpisodeCursor.from_json(None) == EpisodeCursor()
