"""Acceptance on the default generated data (5,000 customers): at the last month before the
planted drift episode, the segments recover the planted archetypes, hold the minimum volume
share, are stable under resampling, and a rerun with the same data and seed reproduces them
exactly. (How the drift is detected and retrained is tested with the automation.)"""

import json
from datetime import date

import dagster as dg
import polars as pl
import pytest
from conftest import one_month_tags, query, read_mart, run_pipeline, with_planted_archetypes
from sklearn.metrics import adjusted_rand_score

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import config_dir
from seg_assets.lib.segmentation.settings import load_segmentation_settings

SEGMENTATION = dg.AssetSelection.groups("segmentation")
GENERATED = GeneratorSettings.from_yaml(config_dir() / "generator.yaml")


def _last_month_before_drift(settings: GeneratorSettings) -> str:
    """The last generated month that no planted drift touches (a fixed date, not today's)."""
    months = settings.months if settings.drift_month is None else settings.drift_month
    index = settings.start_month.month - 1 + months - 1
    return date(settings.start_month.year + index // 12, index % 12 + 1, 1).isoformat()


LATEST = _last_month_before_drift(GENERATED)


@pytest.fixture(scope="module")
def default_segments(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every month of the default data built, then the latest month segmented (its first model)."""
    root = tmp_path_factory.mktemp("default_segments")
    generate(GENERATED, root / "landing", root / "truth")
    database = root / "warehouse.duckdb"
    features = dg.AssetSelection.assets(dg.AssetKey(["marts", "fct_customer_features"]))
    upstream = features.upstream().required_multi_asset_neighbors()
    run_pipeline(database, root / "landing", selection=upstream)
    result = run_pipeline(
        database, root / "landing", tags=one_month_tags(LATEST), selection=SEGMENTATION
    )
    return {
        "database": database,
        "truth": root / "truth",
        "landing": root / "landing",
        "result": result,
    }


def _metrics(database) -> tuple[str, dict]:
    [(version, metrics)] = query(
        database, "select model_version, metrics from segmentation.model_registry"
    )
    return version, json.loads(metrics)


def _segments(database) -> pl.DataFrame:
    return read_mart(database, "segmentation.customer_segments")


def test_the_planted_archetypes_are_recovered_with_ari_of_at_least_0_9(default_segments):
    database = default_segments["database"]
    segments = _segments(database)
    labelled = with_planted_archetypes(default_segments, segments)
    ari = adjusted_rand_score(labelled["archetype"], labelled["segment_id"])
    assert ari >= 0.9
    assert labelled.height >= 0.95 * segments.height
    # The registry reports the same figure beside the supervised ceiling on the same features.
    _, metrics = _metrics(database)
    assert metrics["archetype_ari"] == pytest.approx(ari, abs=1e-9)
    assert ari < metrics["supervised_ari_ceiling"] <= 1.0
    assert 0.9 < metrics["supervised_accuracy_ceiling"] < 1.0  # the archetypes overlap
    assert metrics["segments"] == 5


def test_no_segment_holds_less_than_the_minimum_volume_share(default_segments):
    settings = load_segmentation_settings()
    clustered = _segments(default_segments["database"]).filter(pl.col("segment_kind") == "cluster")
    shares = clustered.group_by("segment_id").agg(
        pl.col("volume").sum() / clustered["volume"].sum()
    )
    assert shares["volume"].min() >= settings.min_volume_share == 0.05
    checks = {
        e.check_name: e.passed for e in default_segments["result"].get_asset_check_evaluations()
    }
    assert checks["segments_meet_min_volume_share"] is True


def test_bootstrap_stability_is_reported_at_or_above_0_8(default_segments):
    database = default_segments["database"]
    version, metrics = _metrics(database)
    [(bootstrap,)] = query(
        database,
        "select value from segmentation.model_stability where model_version = ?"
        " and \"check\" = 'bootstrap_ari_mean'",
        [version],
    )
    assert bootstrap == pytest.approx(metrics["bootstrap_ari_mean"])
    assert bootstrap >= 0.8
    metadata = [
        e.materialization.metadata
        for e in default_segments["result"].get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["segmentation", "model_registry"])
    ][-1]
    assert metadata["bootstrap_ari_mean"].value == pytest.approx(bootstrap)


def test_a_rerun_with_the_same_data_and_seed_reproduces_ids_and_assignments(default_segments):
    database = default_segments["database"]
    version, _ = _metrics(database)
    before = _segments(database)
    explanations = read_mart(database, "segmentation.customer_segment_explanations")
    run_pipeline(
        database,
        default_segments["landing"],
        tags=one_month_tags(LATEST),
        selection=SEGMENTATION,
    )
    assert _metrics(database)[0] == version
    assert _segments(database).equals(before)
    assert read_mart(database, "segmentation.customer_segment_explanations").equals(explanations)
    [(names,)] = query(
        database,
        "select list(segment_name order by segment_id) from segmentation.segment_definitions"
        " where status <> 'strategic'",
    )
    assert len(set(names)) == len(names) == 5
