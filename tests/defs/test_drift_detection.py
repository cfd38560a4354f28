"""Drift detection on planted truth: the default episode is caught in its month, and the stable
months before it raise no act, on the default seed and three others (1,000 customers each, the
default 25 months and episode; the default scale is measured in the issue notes)."""

import shutil

import polars as pl
import pytest
from conftest import query, run_pipeline

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import config_dir

SEEDS = (None, 1, 2, 3)
SCALE = {"customers": 1_000, "order_lines": 100_000}
# Measured: 2 watch months in 32 stable ones (segment shares moving 10-14 %), never act.
MAX_WATCH_RATE = 0.15


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """One full build per seed, with the month each build's drift starts."""
    done = []
    for seed in SEEDS:
        root = tmp_path_factory.mktemp(f"drift_seed_{seed}")
        overrides = {**SCALE, **({} if seed is None else {"seed": seed})}
        generate(
            GeneratorSettings.from_yaml(config_dir() / "generator.yaml", **overrides),
            root / "landing",
            root / "truth",
        )
        database = root / "warehouse.duckdb"
        run_pipeline(database, root / "landing")
        [drift_month] = pl.read_csv(root / "truth" / "drift_episodes.csv")["from_month"].unique()
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
        done.append({"seed": seed, "drift_month": str(drift_month), "months": months})
        shutil.rmtree(root / "landing")
    return done


def test_the_planted_episode_is_in_act_in_its_own_month(builds):
    for build in builds:
        [(_, mode, state, detail)] = [m for m in build["months"] if m[0] == build["drift_month"]]
        assert (mode, state) == ("scored", "act"), build["seed"]
        assert "volume share of" in detail


def test_stable_months_never_act_and_seldom_watch(builds):
    stable = [
        state
        for build in builds
        for month, mode, state, _ in build["months"]
        if mode == "scored" and month < build["drift_month"]
    ]
    assert len(stable) == 8 * len(SEEDS)
    assert "act" not in stable
    assert stable.count("watch") / len(stable) <= MAX_WATCH_RATE
