"""Drift detection and retraining on planted truth, on the default data (5,000 customers, 25
months, the default episode) and on three other generator seeds: the episode is caught in its
month, the stable months before it raise no act, and the model retrained on the drift is judged
against the post-drift archetypes. Minutes of work: marker ``quality`` (make test-quality)."""

import json
import shutil
from datetime import date

import polars as pl
import pytest
from conftest import query, run_pipeline, segment_again

from seg_assets.defs.automation.drift import retrain_run_config
from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import config_dir

pytestmark = pytest.mark.quality

SEEDS = (None, 1, 2, 3)
# Measured: 0 watch months in 32 stable ones (1 in 32 at 1,000 customers), never act.
MAX_WATCH_RATE = 0.15


def _build(root, seed: int | None) -> dict:
    overrides = {} if seed is None else {"seed": seed}
    generate(
        GeneratorSettings.from_yaml(config_dir() / "generator.yaml", **overrides),
        root / "landing",
        root / "truth",
    )
    database = root / "warehouse.duckdb"
    run_pipeline(database, root / "landing")
    [episode_start] = pl.read_csv(root / "truth" / "drift_episodes.csv")["from_month"].unique()
    drift_month = date.fromisoformat(str(episode_start))
    months = query(
        database,
        "select strftime(drift.as_of_month, '%Y-%m-%d'), publications.mode, drift.state,"
        " drift.detail"
        " from segmentation.drift_history as drift"
        " inner join (select as_of_month, arg_max(mode, published_at) as mode"
        "  from segmentation.publications group by as_of_month) as publications"
        " on drift.as_of_month = publications.as_of_month"
        " where drift.subject = 'overall' order by 1",
    )
    return {
        "seed": seed,
        "root": root,
        "database": database,
        "landing": root / "landing",
        "drift_month": drift_month,
        "months": months,
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """One full build per seed; only the default seed's landing files are kept (to retrain)."""
    done = []
    for seed in SEEDS:
        build = _build(tmp_path_factory.mktemp(f"drift_seed_{seed}"), seed)
        if seed is not None:
            shutil.rmtree(build["landing"])
        done.append(build)
    return done


def test_the_planted_episode_is_in_act_in_its_own_month(builds):
    for build in builds:
        month = str(build["drift_month"])
        [(_, mode, state, detail)] = [m for m in build["months"] if m[0] == month]
        assert (mode, state) == ("scored", "act"), build["seed"]
        assert "volume share of" in detail


def test_stable_months_never_act_and_seldom_watch(builds):
    stable = [
        state
        for build in builds
        for month, mode, state, _ in build["months"]
        if mode == "scored" and month < str(build["drift_month"])
    ]
    assert len(stable) == 8 * len(SEEDS)
    assert "act" not in stable
    assert stable.count("watch") / len(stable) <= MAX_WATCH_RATE


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 16, blocked: retrained in the first drifted month, the switched customers"
    " have one month of their new behaviour in a 12-month feature window and cluster with the"
    " project buyers (ARI 0.705; a supervised classifier on the same features reaches 0.912)",
)
def test_the_model_retrained_on_the_drift_recovers_the_post_drift_archetypes(builds):
    build = builds[0]
    month: date = build["drift_month"]
    segment_again(build["database"], build, month, run_config=retrain_run_config())
    [(metrics,)] = query(
        build["database"],
        "select metrics from segmentation.model_registry where as_of_month = ?"
        " order by created_at desc limit 1",
        [month],
    )
    ari = json.loads(metrics)["archetype_ari"]
    assert ari >= 0.9, f"post-drift archetype ARI {ari:.3f}"
