"""Segmentation in Dagster on generated data: what is published, checked, explained and kept.

Read-only tests use the session's ``generated_year`` warehouse; tests that write work on a copy.
"""

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from conftest import (
    SEGMENTATION_AND_MARTS,
    config_copy,
    materialization_metadata,
    one_month_tags,
    query,
    read_mart,
    run_pipeline,
    segment_again,
)

from seg_assets.lib.segmentation.settings import load_segmentation_settings
from seg_assets.lib.warehouse import copy_warehouse

SEGMENTATION_CHECKS = {
    "segments_meet_min_volume_share",
    "every_customer_segmented_or_excluded",
    "registered_model_reproduces_assignments",
    "maps_to_one_golden_customer",
}


def _latest_month(database: Path):
    """The latest month a model was trained on (later months may be scored with it)."""
    [(month,)] = query(database, "select max(as_of_month) from segmentation.model_registry")
    return month


def _registry(database: Path) -> dict:
    """The registry row of the model last trained (the latest created on the latest month)."""
    [row] = query(
        database,
        "select model_version, algorithm, features, feature_weights, scaler, data_fingerprint,"
        " metrics, artifact, selection_reason from segmentation.model_registry"
        " order by as_of_month desc, created_at desc limit 1",
    )
    names = "version algorithm features weights scaler fingerprint metrics artifact reason".split()
    return dict(zip(names, row, strict=True))


def test_segmentable_months_are_published_and_every_segmentation_check_passes(generated_year):
    database = generated_year["database"]
    settings = load_segmentation_settings()
    segmentable = {
        month
        for (month,) in query(
            database,
            # Months with orders of their own: later months have not landed.
            "select distinct as_of_month from marts.fct_customer_features"
            " where months_in_window >= ? and as_of_month in (select last_order_month"
            " from marts.fct_customer_features)",
            [settings.min_history_months],
        )
    }
    published = {
        month for (month,) in query(database, "select as_of_month from segmentation.publications")
    }
    assert segmentable and published == segmentable
    [(modes,)] = query(database, "select list(distinct mode) from segmentation.publications")
    assert "trained" in modes
    evaluations = [
        e
        for e in generated_year["result"].get_asset_check_evaluations()
        if e.asset_key.path[0] in ("segmentation", "marts") and e.check_name in SEGMENTATION_CHECKS
    ]
    assert {e.check_name for e in evaluations} == SEGMENTATION_CHECKS
    assert all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]


def test_the_registry_records_the_model_and_the_ui_shows_the_choice(generated_year):
    database = generated_year["database"]
    registry = _registry(database)
    settings = load_segmentation_settings()
    assert registry["algorithm"] in settings.selection.algorithms
    assert [f["feature"] for f in json.loads(registry["features"])] == list(settings.feature_names)
    assert set(json.loads(registry["weights"])) == set(settings.feature_names)
    assert registry["scaler"] == settings.scaling
    assert len(registry["fingerprint"]) == 16
    metrics = json.loads(registry["metrics"])
    for name in ("silhouette", "davies_bouldin", "bootstrap_ari_mean", "holdout_ari"):
        assert -1.0 <= metrics[name] <= 10.0, name
    assert registry["reason"].startswith(registry["algorithm"])
    metadata = materialization_metadata(
        generated_year["result"], ["segmentation", "model_registry"]
    )
    assert metadata["elbow_chart"].startswith("![elbow](data:image/png;base64,")
    assert metadata["silhouette_chart"].startswith("![silhouette](data:image/png;base64,")
    assert metadata["selection_reason"] == registry["reason"]
    # Every candidate's metrics are kept, the chosen one flagged.
    [(candidates, chosen)] = query(
        database,
        "select count(*), count(*) filter (where chosen) from segmentation.model_candidates"
        " where model_version = ?",
        [registry["version"]],
    )
    assert candidates > 6 and chosen == 1


def test_every_customer_has_a_confidence_its_drivers_and_readable_rules(generated_year):
    database = generated_year["database"]
    month = _latest_month(database)
    settings = load_segmentation_settings()
    segments = read_mart(
        database, "segmentation.customer_segments", "where as_of_month = ?", [month]
    )
    clustered = segments.filter(pl.col("segment_kind") == "cluster")
    margins = clustered.get_column("confidence_margin")
    assert margins.min() >= 0 and margins.max() <= 1
    assert (
        clustered.get_column("is_borderline").to_list()
        == (margins < settings.borderline_margin).to_list()
    )
    assert (clustered["runner_up_segment_id"] != clustered["segment_id"]).all()
    drivers = read_mart(
        database, "segmentation.customer_segment_explanations", "where as_of_month = ?", [month]
    )
    per_customer = drivers.group_by("customer_key").agg(
        pl.len().alias("n"), pl.col("contribution").min().alias("smallest")
    )
    assert per_customer["n"].max() <= settings.explanations.top_features
    assert per_customer["smallest"].min() > 0
    assert set(drivers["feature"]) <= set(settings.feature_names)
    # Almost every clustered customer has at least one driver (none only if on a tie).
    assert per_customer.height >= 0.99 * clustered.height
    [version] = set(clustered["model_version"])
    rules = read_mart(database, "segmentation.segment_rules", "where model_version = ?", [version])
    assert rules.height >= 2
    assert set(rules["segment_id"]) <= set(clustered["segment_id"])


def test_marts_reconcile_with_the_published_segments(generated_year):
    database = generated_year["database"]
    month = _latest_month(database)
    [(segmented,)] = query(
        database,
        "select count(*) from segmentation.customer_segments where as_of_month = ?",
        [month],
    )
    [(profiled, share)] = query(
        database,
        "select sum(customers), sum(customer_share) from kpi.fct_segment_profiles"
        " where as_of_month = ?",
        [month],
    )
    assert profiled == segmented and share == pytest.approx(1.0)
    [(crosstab,)] = query(
        database,
        "select sum(customers) from kpi.fct_tier_segment_crosstab where as_of_month = ?",
        [month],
    )
    assert crosstab == segmented
    # The history's current rows are the latest publication's assignments.
    [(current,)] = query(
        database, "select count(*) from kpi.dim_customer_segment_history where is_current"
    )
    [(latest,)] = query(
        database,
        "select count(*) from segmentation.customer_segments where as_of_month ="
        " (select max(as_of_month) from segmentation.customer_segments)",
    )
    assert current == latest


def _published(database: Path, month) -> pl.DataFrame:
    return read_mart(
        database,
        "segmentation.customer_segments",
        "where as_of_month = ?",
        [month],
    )


def test_a_rerun_reproduces_the_version_ids_and_assignments(generated_year, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_year["database"], database)
    month = _latest_month(database)
    before, version = _published(database, month), _registry(database)["version"]
    history = "select count(*) from segmentation.{} where as_of_month = ?"
    logged = [
        query(database, history.format(t), [month]) for t in ("publications", "model_decisions")
    ]
    result = segment_again(
        database,
        generated_year,
        month,
        {"ops": {"segment_customers": {"config": {"retrain": True}}}},
    )
    assert result.success
    assert _registry(database)["version"] == version
    assert _published(database, month).equals(before)
    # The history logs changes: a rerun that changes nothing adds no publication or decision.
    assert logged[0] == [(1,)]
    assert [
        query(database, history.format(t), [month]) for t in ("publications", "model_decisions")
    ] == logged
    [(versions,)] = query(
        database, "select count(*) from segmentation.model_registry where as_of_month = ?", [month]
    )
    assert versions == 1


def test_rollback_publishes_a_previous_versions_assignments(generated_year, tmp_path, monkeypatch):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_year["database"], database)
    month = _latest_month(database)
    original = _registry(database)["version"]
    original_segments = _published(database, month)
    # New settings (another seed and weights) train a second version for the month.
    monkeypatch.setenv(
        "SEG_ASSETS_CONFIG",
        str(config_copy(tmp_path, "segmentation.yaml", seed=7, min_volume_share=0.08)),
    )
    assert segment_again(database, generated_year, month).success
    retrained = _registry(database)["version"]
    assert retrained != original
    # Roll back: the original version scores the month again and is published.
    result = segment_again(
        database,
        generated_year,
        month,
        {"ops": {"segment_customers": {"config": {"model_version": original}}}},
    )
    assert result.success
    rolled_back = _published(database, month)
    assert set(rolled_back["model_version"]) == {original}
    assert rolled_back.select("customer_key", "segment_id").equals(
        original_segments.select("customer_key", "segment_id")
    )
    modes = [
        mode
        for (mode,) in query(
            database, "select mode from segmentation.publications order by published_at"
        )
    ]
    assert modes[-1] == "rollback"
    [(versions_at_month,)] = query(
        database,
        "select list(distinct model_version) from kpi.dim_customer_segment_history"
        " where valid_from <= ? and (valid_to is null or valid_to > ?)",
        [month, month],
    )
    assert versions_at_month == [original]
    # The migration matrix compares both versions' own assignments, in both directions.
    pairs = {
        pair
        for pair in query(
            database, "select distinct from_version, to_version from kpi.fct_segment_migration"
        )
    }
    assert {(original, retrained), (retrained, original)} <= pairs
    [(moved,)] = query(
        database,
        "select sum(customers) from kpi.fct_segment_migration where from_version = ?"
        " and to_version = ?",
        [original, retrained],
    )
    assert moved == original_segments.height


def test_an_unknown_rollback_version_fails_naming_the_known_ones(generated_year, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_year["database"], database)
    month = _latest_month(database)
    known = _registry(database)["version"]
    result = run_pipeline(
        database,
        generated_year["landing"],
        tags=one_month_tags(month.isoformat()),
        selection=SEGMENTATION_AND_MARTS,
        run_config={"ops": {"segment_customers": {"config": {"model_version": "2020-01-nope"}}}},
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = str(failure.step_failure_data.error)
    assert "2020-01-nope" in message and known in message
