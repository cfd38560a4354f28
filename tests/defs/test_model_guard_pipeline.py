"""The guard in real runs: a retrain inside a change freeze waits for approval while the serving
model keeps the month; a person approves, rejects or rolls back, and every decision is kept."""

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from conftest import config_copy, freeze_around_today, query, read_mart, segment_again

from seg_assets.lib.project import config_dir
from seg_assets.lib.warehouse import copy_warehouse

RETRAIN = {"ops": {"segment_customers": {"config": {"retrain": True}}}}


def _decide(action: str, version: str, by: str = "Ana Planner", reason: str = "impact reviewed"):
    config = {"decision": action, "model_version": version, "decided_by": by}
    return {"ops": {"segment_customers": {"config": {**config, "decision_reason": reason}}}}


def _config(tmp_path: Path, freeze: bool = False, min_volume_share: float | None = None) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir(), target)
    if freeze:
        freeze_around_today(target)
    if min_volume_share is not None:
        config_copy(tmp_path, "segmentation.yaml", min_volume_share=min_volume_share)
    return target


@pytest.fixture
def scored_month(generated_year, tmp_path) -> tuple[Path, date]:
    """A copy of the generated warehouse and its first month scored by an earlier model."""
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_year["database"], database)
    [(month,)] = query(
        database,
        "select min(as_of_month) from segmentation.publications where mode = 'scored'",
    )
    return database, month


def _published(database: Path, month: date):
    return read_mart(
        database,
        "segmentation.customer_segments",
        "where as_of_month = ?",
        [month],
    ).select("customer_key", "model_version", "segment_id")


def _decisions(database: Path, month: date) -> list[tuple]:
    """Decisions about models of ``month`` (the generated build recorded its own, earlier)."""
    return query(
        database,
        "select model_version, decision, decided_by, reason, serving_version, impact_report"
        " from segmentation.model_decisions where as_of_month = ? order by decided_at",
        [month],
    )


def _hold_in_freeze(generated_year, scored_month, tmp_path, monkeypatch) -> str:
    database, month = scored_month
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(_config(tmp_path, freeze=True)))
    before = _published(database, month)
    assert segment_again(database, generated_year, month, RETRAIN).success
    assert _published(database, month).equals(before)
    [(candidate, decision, by, reason, serving, report)] = _decisions(database, month)
    assert (decision, by) == ("pending_approval", "guard")
    assert "change freeze" in reason and "year-end close" in reason
    assert serving == before.get_column("model_version")[0]
    assert "pending_approval" in report and "|" in report
    [(registered,)] = query(
        database,
        "select count(*) from segmentation.model_registry where model_version = ?",
        [candidate],
    )
    assert registered == 1
    return candidate


def test_a_retrain_in_a_freeze_waits_and_an_approval_publishes_it(
    generated_year, scored_month, tmp_path, monkeypatch
):
    database, month = scored_month
    candidate = _hold_in_freeze(generated_year, scored_month, tmp_path, monkeypatch)
    # Approval publishes the registered model for its month without retraining it.
    [(trainings_before,)] = query(database, "select count(*) from segmentation.model_registry")
    assert segment_again(database, generated_year, month, _decide("approve", candidate)).success
    published = _published(database, month)
    assert set(published.get_column("model_version")) == {candidate}
    [(trainings_after,)] = query(database, "select count(*) from segmentation.model_registry")
    assert trainings_after == trainings_before
    last = _decisions(database, month)[-1]
    assert last[:4] == (candidate, "approved", "Ana Planner", "impact reviewed")
    [(mode,)] = query(
        database,
        "select mode from segmentation.publications order by published_at desc limit 1",
    )
    assert mode == "approved"


def test_a_rejected_model_never_serves_even_when_retrained_again(
    generated_year, scored_month, tmp_path, monkeypatch
):
    database, month = scored_month
    candidate = _hold_in_freeze(generated_year, scored_month, tmp_path, monkeypatch)
    before = _published(database, month)
    assert segment_again(database, generated_year, month, _decide("reject", candidate)).success
    assert _decisions(database, month)[-1][:3] == (candidate, "rejected", "Ana Planner")
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(config_dir()))
    assert segment_again(database, generated_year, month, RETRAIN).success
    assert _published(database, month).equals(before)
    assert [row[1] for row in _decisions(database, month)] == ["pending_approval", "rejected"]


def test_outside_a_freeze_a_stable_retrain_is_published_by_the_guard(generated_year, scored_month):
    database, month = scored_month
    assert segment_again(database, generated_year, month, RETRAIN).success
    [(candidate, decision, by, reason, _serving, _report)] = _decisions(database, month)
    assert (decision, by) == ("published", "guard")
    assert "bootstrap ARI" in reason
    assert set(_published(database, month).get_column("model_version")) == {candidate}


def test_a_decided_rollback_may_break_the_minimum_share_and_an_undecided_one_may_not(
    generated_year, scored_month, tmp_path, monkeypatch
):
    database, month = scored_month
    [(version,)] = query(
        database,
        "select any_value(model_version) from segmentation.customer_segments where as_of_month = ?",
        [month],
    )
    # Under a 33 % minimum share (the most three segments can all meet) the published model's
    # smaller segments do not qualify.
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(_config(tmp_path, min_volume_share=0.33)))
    pinned = {"ops": {"segment_customers": {"config": {"model_version": version}}}}
    blocked = segment_again(database, generated_year, month, pinned, raise_on_error=False)
    failed = [e.check_name for e in blocked.get_asset_check_evaluations() if not e.passed]
    assert "segments_meet_min_volume_share" in failed
    decided = segment_again(
        database, generated_year, month, _decide("rollback", version, reason="peak season")
    )
    assert decided.success
    assert _decisions(database, month)[-1][1:4] == ("rolled_back", "Ana Planner", "peak season")


def test_a_decision_without_a_reason_fails_naming_what_is_missing(generated_year, scored_month):
    database, month = scored_month
    result = segment_again(
        database, generated_year, month, _decide("approve", "x", reason=" "), raise_on_error=False
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert "needs decision_reason" in failure.event_specific_data.error.cause.message
