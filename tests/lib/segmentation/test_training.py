"""Training end to end on planted customer groups: recovery, reproducibility, stable ids and
names across models, the minimum volume share, screening, and a model that re-scores exactly.
"""

import re
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from sklearn.metrics import adjusted_rand_score

from seg_assets.lib.segmentation.constraints import verify_min_share
from seg_assets.lib.segmentation.model import SegmentationModel
from seg_assets.lib.segmentation.settings import SegmentationSettings, load_segmentation_settings
from seg_assets.lib.segmentation.training import (
    NotEnoughCustomersError,
    TrainingResult,
    canonical_frame,
    data_fingerprint,
    model_version,
    settle_segments,
    train_segmentation,
    volume_of,
)

MONTH = date(2026, 1, 1)
FEATURE_NAMES = ("order_rate", "basket_size", "margin")
# Planted groups: order rate (log-normal around the centre), basket size, margin, revenue.
GROUPS = {
    "A": (5.0, 2.0, 0.10, 1000.0),
    "B": (50.0, 8.0, 0.30, 1000.0),
    "C": (5.0, 14.0, 0.50, 1000.0),
    "D": (50.0, 2.0, 0.70, 1000.0),
    "E": (200.0, 14.0, 0.10, 1000.0),
}
SIZES = {"A": 100, "B": 80, "C": 120, "D": 60}
SETTINGS = {
    "seed": 7,
    "features": [
        {"feature": "order_rate", "transform": "log", "log_offset": 1, "label": "order rate"},
        {"feature": "basket_size", "transform": "none", "label": "basket size"},
        {"feature": "margin", "transform": "none", "label": "margin"},
    ],
    "scaling": "standard",
    "data_errors": [{"feature": "revenue", "min": 0.0, "max": None}],
    # 6 robust sigmas: far beyond the planted noise, far below a 10,000-fold account.
    "strategic_outliers": {
        "feature": "revenue",
        "min_robust_z": 6.0,
        "segment_name": "Strategic accounts",
    },
    "selection": {
        "algorithms": ["kmeans"],
        "min_segments": 2,
        "max_segments": 5,
        "kmeans_restarts": 3,
    },
    "min_volume_share": 0.05,
    "volume_measure": "customers",
    "borderline_margin": 0.1,
    "explanations": {"top_features": 2, "rule_depth": 3, "rule_min_customers": 5},
    "stability": {"bootstrap_resamples": 3, "kmeans_restarts": 2},
}


def load_settings(
    tmp_path: Path, name: str = "segmentation.yaml", **changes
) -> SegmentationSettings:
    """SETTINGS with top-level entries replaced (``selection__max_segments`` reaches inside)."""
    document = yaml.safe_load(yaml.safe_dump(SETTINGS))
    for key, value in changes.items():
        *parents, leaf = key.split("__")
        target = document
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return load_segmentation_settings(path, check_feature_mart=False)


def customers(
    sizes: dict[str, int] = SIZES,
    seed: int = 1,
    prefix: str = "k",
    revenue: dict[str, float] | None = None,
) -> pl.DataFrame:
    """Seeded customers of the planted groups, keyed ``<prefix>-<group>-<nnn>``.

    Values are rounded to 6 decimals, so the canonical frame (9 decimals) leaves them as they are.
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, list] = {
        "customer_key": [],
        "group": [],
        **{name: [] for name in FEATURE_NAMES},
        "revenue": [],
    }
    for group, size in sizes.items():
        order_rate, basket_size, margin, group_revenue = GROUPS[group]
        if revenue is not None:
            group_revenue = revenue.get(group, group_revenue)
        columns["customer_key"] += [f"{prefix}-{group}-{i:03d}" for i in range(size)]
        columns["group"] += [group] * size
        columns["order_rate"] += np.round(order_rate * np.exp(rng.normal(0, 0.1, size)), 6).tolist()
        columns["basket_size"] += np.round(basket_size + rng.normal(0, 0.5, size), 6).tolist()
        columns["margin"] += np.round(margin + rng.normal(0, 0.03, size), 6).tolist()
        columns["revenue"] += np.round(group_revenue * np.exp(rng.normal(0, 0.1, size)), 2).tolist()
    return pl.DataFrame(columns)


def with_customers(frame: pl.DataFrame, *rows: dict) -> pl.DataFrame:
    return pl.concat([frame, pl.DataFrame(list(rows), schema=frame.schema)])


def segment_of_group(result: TrainingResult, frame: pl.DataFrame) -> dict[str, int]:
    """The one segment id each planted group's customers were assigned (asserted unique)."""
    joined = result.scored.assignments.join(
        frame.select("customer_key", "group"), on="customer_key"
    )
    ids = joined.group_by("group").agg(pl.col("segment_id").unique())
    mapping = {}
    for group, segment in ids.rows():
        assert len(segment) == 1, f"group {group} split over segments {segment}"
        mapping[group] = segment[0]
    return mapping


def retrained(
    tmp_path: Path, after_sizes: dict[str, int], next_id: int
) -> tuple[TrainingResult, dict[str, int], TrainingResult, dict[str, int]]:
    """A model on the default groups, then one on ``after_sizes`` aligned to it: both results
    and each one's segment id per group."""
    settings = load_settings(tmp_path)
    before = customers(seed=1)
    previous = train_segmentation(before, settings, MONTH)
    after = customers(after_sizes, seed=2)
    result = train_segmentation(
        after, settings, date(2026, 4, 1), previous=previous.model, next_id=next_id
    )
    return previous, segment_of_group(previous, before), result, segment_of_group(result, after)


def published_shares(result: TrainingResult, frame: pl.DataFrame, measure: str) -> dict:
    clustered = result.scored.assignments.filter(pl.col("segment_kind") == "cluster").join(
        frame, on="customer_key"
    )
    volume = pl.len() if measure == "customers" else pl.col(measure).sum()
    totals = clustered.group_by("segment_id").agg(volume.cast(pl.Float64).alias("volume"))
    grand = totals.get_column("volume").sum()
    return {segment: volume / grand for segment, volume in totals.rows()}


def test_the_planted_groups_are_recovered(tmp_path):
    settings = load_settings(tmp_path, selection__algorithms=["kmeans", "ward"])
    frame = customers()
    result = train_segmentation(frame, settings, MONTH)
    joined = result.scored.assignments.join(
        frame.select("customer_key", "group"), on="customer_key"
    )
    assert joined.height == frame.height
    ari = adjusted_rand_score(joined.get_column("group"), joined.get_column("segment_id"))
    assert ari >= 0.95
    assert len(result.model.segment_ids) == 4
    assert result.metrics["segments"] == 4
    assert result.metrics["customers_clustered"] == frame.height
    # Fresh ids start at next_id (1 by default), 0 being the strategic segment.
    assert result.model.segment_ids.tolist() == [1, 2, 3, 4]
    assert (result.segments.filter(pl.col("segment_kind") == "cluster")["status"] == "new").all()
    assert len(set(result.model.segment_names)) == 4
    assert re.fullmatch(r"2026-01-[0-9a-f]{10}", result.model.version)


def test_the_same_inputs_give_the_same_version_ids_and_assignments(tmp_path):
    settings = load_settings(tmp_path)
    frame = customers()
    first = train_segmentation(frame, settings, MONTH)
    second = train_segmentation(frame, settings, MONTH)
    assert second.model.version == first.model.version
    assert second.model.to_json() == first.model.to_json()
    assert second.scored.assignments.equals(first.scored.assignments)
    assert second.scored.explanations.equals(first.scored.explanations)
    assert second.segments.equals(first.segments)
    assert second.stability.equals(first.stability)
    assert second.rules.rules.equals(first.rules.rules)


def test_a_different_seed_data_month_or_previous_model_changes_the_version(tmp_path):
    settings = load_settings(tmp_path)
    frame = customers()
    base = train_segmentation(frame, settings, MONTH)

    reseeded = train_segmentation(frame, load_settings(tmp_path, "seed.yaml", seed=8), MONTH)
    assert reseeded.model.version != base.model.version

    one_value = frame.with_columns(
        pl.when(pl.col("customer_key") == "k-A-000")
        .then(pl.col("revenue") + 1.0)
        .otherwise(pl.col("revenue"))
        .alias("revenue")
    )
    changed = train_segmentation(one_value, settings, MONTH)
    assert changed.metrics["data_fingerprint"] != base.metrics["data_fingerprint"]
    assert changed.model.version != base.model.version

    later = train_segmentation(frame, settings, date(2026, 2, 1))
    assert later.model.version.startswith("2026-02-")
    assert later.model.version[len("2026-02-") :] == base.model.version[len("2026-01-") :]

    following = train_segmentation(frame, settings, MONTH, previous=base.model, next_id=5)
    assert following.model.version != base.model.version


def test_rows_in_another_order_give_the_same_model_and_assignments(tmp_path):
    settings = load_settings(tmp_path)
    frame = customers()
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    assert (
        shuffled.get_column("customer_key").to_list() != frame.get_column("customer_key").to_list()
    )
    base = train_segmentation(frame, settings, MONTH)
    again = train_segmentation(shuffled, settings, MONTH)
    assert again.model.version == base.model.version
    assert again.model.to_json() == base.model.to_json()
    assert again.scored.assignments.equals(base.scored.assignments)


def test_a_previous_models_ids_and_names_are_kept_whatever_the_group_order(tmp_path):
    settings = load_settings(tmp_path)
    before = customers(SIZES, seed=1)
    previous = train_segmentation(before, settings, MONTH)
    previous_ids = segment_of_group(previous, before)
    previous_names = previous.model.names_by_id

    # New customers, other noise, the groups' sizes (hence k-means' local labels) and the
    # order of their keys permuted.
    sizes = {"D": 100, "C": 60, "B": 120, "A": 80}
    after = customers(sizes, seed=2, prefix="m")
    fresh = train_segmentation(after, settings, date(2026, 4, 1))
    assert segment_of_group(fresh, after) != previous_ids  # without alignment the ids move

    result = train_segmentation(
        after, settings, date(2026, 4, 1), previous=previous.model, next_id=5
    )
    assert segment_of_group(result, after) == previous_ids
    assert result.model.names_by_id == previous_names
    clusters = result.segments.filter(pl.col("segment_kind") == "cluster")
    assert clusters.get_column("status").to_list() == ["kept"] * 4
    assert (clusters.get_column("previous_centroid_distance") < 0.5).all()
    assert result.alignment.new_ids == () and result.alignment.retired_ids == ()
    agreement = dict(
        result.stability.filter(pl.col("check").str.starts_with("previous_model"))
        .select("check", "value")
        .rows()
    )
    assert agreement == {
        "previous_model_ari": 1.0,
        "previous_model_kept_share": 1.0,
        "previous_model_customers": float(after.height),
    }


def test_a_new_group_gets_a_fresh_id_and_no_previous_id_is_reused(tmp_path):
    previous, previous_ids, result, ids = retrained(
        tmp_path, {"A": 100, "B": 80, "C": 120, "D": 60, "E": 70}, next_id=9
    )
    assert {group: ids[group] for group in "ABCD"} == previous_ids
    assert ids["E"] == 9
    assert result.alignment.new_ids == (9,)
    assert result.alignment.retired_ids == ()
    statuses = dict(result.segments.select("segment_id", "status").rows())
    assert statuses == {0: "strategic", **{i: "kept" for i in previous_ids.values()}, 9: "new"}
    new_name = result.model.names_by_id[9]
    assert new_name not in previous.model.segment_names


def test_a_vanished_group_retires_its_id(tmp_path):
    _, previous_ids, result, ids = retrained(tmp_path, {"A": 100, "B": 80, "C": 120}, next_id=5)
    assert ids == {group: previous_ids[group] for group in "ABC"}
    assert result.alignment.retired_ids == (previous_ids["D"],)
    retired = result.segments.filter(pl.col("segment_id") == previous_ids["D"])
    assert retired.select("status", "customers", "volume_share").row(0) == ("retired", 0, 0.0)


def test_a_group_replacing_a_vanished_one_gets_a_fresh_id_not_the_vanished_ones(tmp_path):
    # D (high margin) disappears and E (low margin, very high order rate) appears. Hungarian
    # matching without a distance limit pairs E with D, so E inherits D's id and its name
    # "High margin, ..." although it is a low-margin group whose centroid moved ~4 standard
    # units (kept segments move < 0.1).
    previous, previous_ids, result, ids = retrained(
        tmp_path, {"A": 100, "B": 80, "C": 120, "E": 60}, next_id=5
    )
    assert {group: ids[group] for group in "ABC"} == {g: previous_ids[g] for g in "ABC"}
    assert ids["E"] == 5
    assert result.alignment.retired_ids == (previous_ids["D"],)
    assert result.model.names_by_id[ids["E"]] != previous.model.names_by_id[previous_ids["D"]]


def test_a_changed_feature_list_gives_fresh_ids_and_retires_the_previous_ones(tmp_path):
    settings = load_settings(tmp_path)
    frame = customers()
    previous = train_segmentation(frame, settings, MONTH)

    more = [*SETTINGS["features"], {"feature": "revenue", "transform": "log", "weight": 0.5}]
    widened = load_settings(tmp_path, "wider.yaml", features=more)
    result = train_segmentation(
        frame, widened, date(2026, 4, 1), previous=previous.model, next_id=5
    )
    assert result.alignment.retired_ids == (1, 2, 3, 4)
    assert set(result.model.segment_ids.tolist()).isdisjoint({1, 2, 3, 4})
    assert min(result.model.segment_ids) == 5


def test_a_dropped_feature_trains_with_fresh_ids_instead_of_failing(tmp_path):
    # The previous model is scored on the new canonical frame for the agreement figures, but
    # that frame holds only the columns the new settings read: with "margin" dropped from the
    # configuration, training fails with ColumnNotFoundError instead of retiring the ids.
    settings = load_settings(tmp_path)
    frame = customers()
    previous = train_segmentation(frame, settings, MONTH)

    narrowed = load_settings(tmp_path, "narrow.yaml", features=SETTINGS["features"][:2])
    result = train_segmentation(
        frame, narrowed, date(2026, 4, 1), previous=previous.model, next_id=5
    )
    assert result.alignment.retired_ids == (1, 2, 3, 4)
    assert min(result.model.segment_ids) == 5


def test_the_minimum_volume_share_is_enforced_by_merging(tmp_path):
    # Only 4-segment candidates, and D holds 10 / 460 = 2.2 % of the customers: the chosen
    # clustering breaks the 5 % floor and D must be merged into a neighbour.
    settings = load_settings(tmp_path, selection__min_segments=4, selection__max_segments=4)
    frame = customers({"A": 150, "B": 150, "C": 150, "D": 10})
    result = train_segmentation(frame, settings, MONTH)
    assert result.metrics["meets_constraints_before_merging"] is False
    assert len(result.merges) >= 1
    assert result.merges[0].source_share == pytest.approx(10 / 460)
    assert result.metrics["merges"] == len(result.merges)

    published = result.scored.assignments.filter(pl.col("segment_kind") == "cluster")
    labels = published.get_column("segment_id").to_numpy()
    assert verify_min_share(labels, np.ones(len(labels)), 0.05) == []
    shares = result.segments.filter(pl.col("segment_kind") == "cluster")
    assert (shares.get_column("volume_share") >= 0.05).all()
    assert shares.get_column("volume_share").to_list() == pytest.approx(
        [published_shares(result, frame, "customers")[i] for i in shares["segment_id"]]
    )
    assert result.metrics["smallest_volume_share"] >= 0.05
    joined = published.join(frame.select("customer_key", "group"), on="customer_key")
    d_segments = joined.filter(pl.col("group") == "D").get_column("segment_id").unique()
    assert d_segments.len() == 1
    assert joined.filter(pl.col("segment_id") == d_segments[0]).height > 10


def test_a_volume_measure_column_weighs_the_shares(tmp_path):
    # D is 60 / 360 = 17 % of the customers but, at 10 revenue each against 1,000, about
    # 600 / 300,600 = 0.2 % of the revenue.
    frame = customers(revenue={"D": 10.0})
    by_count = train_segmentation(
        frame, load_settings(tmp_path, selection__min_segments=4, selection__max_segments=4), MONTH
    )
    assert len(by_count.merges) == 0
    assert len(by_count.model.segment_ids) == 4

    settings = load_settings(
        tmp_path,
        "revenue.yaml",
        volume_measure="revenue",
        selection__min_segments=4,
        selection__max_segments=4,
    )
    result = train_segmentation(frame, settings, MONTH)
    assert len(result.merges) >= 1
    assert result.merges[0].source_share < 0.01
    clusters = result.segments.filter(pl.col("segment_kind") == "cluster")
    expected = published_shares(result, frame, "revenue")
    assert dict(clusters.select("segment_id", "volume_share").rows()) == pytest.approx(expected)
    assert (clusters.get_column("volume_share") >= 0.05).all()
    assert len(result.model.segment_ids) == 3


def test_a_strategic_outlier_gets_segment_zero_and_is_not_clustered(tmp_path):
    settings = load_settings(tmp_path)
    base = customers()
    whale = {
        "customer_key": "k-whale",
        "group": "A",
        "order_rate": 5.0,
        "basket_size": 2.0,
        "margin": 0.1,
        "revenue": 1e7,
    }
    frame = with_customers(base, whale)
    result = train_segmentation(frame, settings, MONTH)
    row = result.scored.assignments.filter(pl.col("customer_key") == "k-whale")
    assert row.select("segment_id", "segment_name", "segment_kind").row(0) == (
        0,
        "Strategic accounts",
        "strategic",
    )
    assert result.metrics["customers_strategic"] == 1
    assert result.metrics["customers_clustered"] == base.height
    clustered_keys = (
        canonical_frame(frame, settings.source_columns())
        .get_column("customer_key")
        .gather(result.scored.clustered)
    )
    assert "k-whale" not in clustered_keys.to_list()
    assert result.segments.filter(pl.col("segment_id") == 0).select("status", "customers").row(
        0
    ) == ("strategic", 1)
    assert "k-whale" not in result.scored.explanations.get_column("customer_key").to_list()
    # The same clustering as without the whale.
    without = train_segmentation(base, settings, MONTH)
    np.testing.assert_allclose(result.model.centroids, without.model.centroids)


def test_a_data_error_is_excluded_and_listed(tmp_path):
    settings = load_settings(tmp_path)
    broken = {
        "customer_key": "k-broken",
        "group": "A",
        "order_rate": 5.0,
        "basket_size": 2.0,
        "margin": 0.1,
        "revenue": -50.0,
    }
    out_of_domain = {
        **broken,
        "customer_key": "k-negative-rate",
        "order_rate": -3.0,
        "revenue": 9.0,
    }
    frame = with_customers(customers(), broken, out_of_domain)
    result = train_segmentation(frame, settings, MONTH)
    assert result.scored.excluded.rows() == [
        ("k-broken", "revenue", -50.0, "revenue below the minimum 0"),
        (
            "k-negative-rate",
            "order_rate",
            -3.0,
            "order_rate at or below -1, outside the log transform's domain",
        ),
    ]
    keys = result.scored.assignments.get_column("customer_key").to_list()
    assert "k-broken" not in keys and "k-negative-rate" not in keys
    assert result.metrics["customers_excluded"] == 2
    assert result.metrics["customers_clustered"] == frame.height - 2


def test_the_persisted_model_scores_the_training_frame_to_the_published_assignments(tmp_path):
    settings = load_settings(tmp_path, selection__algorithms=["kmeans", "ward"])
    whale = {
        "customer_key": "k-whale",
        "group": "B",
        "order_rate": 50.0,
        "basket_size": 8.0,
        "margin": 0.3,
        "revenue": 1e7,
    }
    gap = {**whale, "customer_key": "k-gap", "basket_size": None, "revenue": 1000.0}
    broken = {**whale, "customer_key": "k-broken", "revenue": -1.0}
    frame = with_customers(customers(), whale, gap, broken)
    result = train_segmentation(frame, settings, MONTH)
    restored = SegmentationModel.from_json(result.model.to_json())
    rescored = restored.score(frame.drop("group"))
    assert rescored.assignments.equals(result.scored.assignments)
    assert rescored.excluded.equals(result.scored.excluded)
    assert rescored.explanations.equals(result.scored.explanations)
    gap_row = rescored.assignments.filter(pl.col("customer_key") == "k-gap")
    assert gap_row.get_column("imputed_features").to_list() == ["basket_size"]
    assert result.metrics["customers_imputed"] == 1


def test_too_few_customers_left_to_cluster_is_an_error(tmp_path):
    settings = load_settings(tmp_path)
    frame = customers({"A": 10, "B": 10})
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) < 14)
        .then(-1.0)
        .otherwise(pl.col("revenue"))
        .alias("revenue")
    )
    with pytest.raises(NotEnoughCustomersError, match="6 customers left to cluster") as raised:
        train_segmentation(frame, settings, MONTH)
    assert "14 data errors" in str(raised.value)
    assert "at least 10 are needed for up to 5 segments" in str(raised.value)


def test_stability_checks_and_rules_are_recorded(tmp_path):
    settings = load_settings(tmp_path)
    result = train_segmentation(customers(), settings, MONTH)
    stability = result.stability
    assert stability.columns == ["check", "feature", "value"]
    checks = stability.get_column("check").to_list()
    assert checks[:6] == [
        "bootstrap_ari_mean",
        "bootstrap_ari_std",
        "bootstrap_ari_p05",
        "bootstrap_ari_p50",
        "bootstrap_ari_p95",
        "holdout_ari",
    ]
    perturbation = stability.filter(pl.col("check") == "perturbation_ari")
    assert tuple(perturbation.get_column("feature")) == FEATURE_NAMES
    ari = stability.filter(pl.col("check") != "bootstrap_ari_std").get_column("value")
    assert ((ari >= -1.0) & (ari <= 1.0)).all()
    assert stability.filter(pl.col("check") == "bootstrap_ari_mean")["value"].item() > 0.9
    assert not any(check.startswith("previous_model") for check in checks)
    assert 0.0 <= result.rules.fidelity <= 1.0
    assert result.metrics["rule_fidelity"] == result.rules.fidelity
    assert set(result.rules.rules.get_column("segment")) <= set(result.model.segment_ids.tolist())
    assert result.metrics["min_perturbation_ari"] == perturbation.get_column("value").min()


def test_canonical_frame_keeps_the_read_columns_as_rounded_floats_by_key():
    frame = pl.DataFrame(
        {
            "customer_key": ["b", "a", "c"],
            "orders": [1, 2, 3],
            "margin": [0.1234567891234, None, -0.5],
            "unused": ["x", "y", "z"],
        }
    )
    canonical = canonical_frame(frame, ("margin", "orders"))
    assert canonical.schema == pl.Schema(
        {"customer_key": pl.String, "margin": pl.Float64, "orders": pl.Float64}
    )
    assert canonical.rows() == [("a", None, 2.0), ("b", 0.123456789, 1.0), ("c", -0.5, 3.0)]
    with pytest.raises(ValueError, match=r"lacks \['revenue'\]"):
        canonical_frame(frame, ("margin", "revenue"))


def test_data_fingerprint_and_model_version(tmp_path):
    settings = load_settings(tmp_path)
    frame = canonical_frame(customers(), settings.source_columns())
    fingerprint = data_fingerprint(frame)
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert data_fingerprint(frame.clone()) == fingerprint
    assert data_fingerprint(frame.with_columns(pl.col("margin") * 2)) != fingerprint

    version = model_version(MONTH, settings, fingerprint, None)
    assert re.fullmatch(r"2026-01-[0-9a-f]{10}", version)
    assert model_version(MONTH, settings, fingerprint, None) == version
    assert model_version(MONTH, settings, fingerprint, "2025-10-0123456789") != version
    assert model_version(MONTH, settings, "0" * 16, None) != version
    reseeded = load_settings(tmp_path, "seed.yaml", seed=8)
    assert model_version(MONTH, reseeded, fingerprint, None) != version


def test_volume_of_counts_customers_or_a_column_with_nulls_and_negatives_as_zero():
    frame = pl.DataFrame({"revenue": [10.0, None, -5.0, 2.5]})
    np.testing.assert_array_equal(volume_of(frame, "customers"), [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(volume_of(frame, "revenue"), [10.0, 0.0, 0.0, 2.5])


def test_settle_segments_merges_a_small_segment_into_the_nearest():
    # 10 rows at 0 (segment 0), 10 at 10 (segment 1), 1 at 6 (segment 2, 1 / 21 < 10 %):
    # segment 2 is 6 from segment 0 and 4 from segment 1, so it joins 1, whose centroid
    # becomes (100 + 6) / 11.
    prepared = np.array([[0.0]] * 10 + [[10.0]] * 10 + [[6.0]])
    labels = np.array([0] * 10 + [1] * 10 + [2])
    ids, centroids, merges = settle_segments(prepared, labels, np.ones(21), 0.1)
    assert ids.tolist() == [0, 1]
    np.testing.assert_allclose(centroids, [[0.0], [106.0 / 11.0]])
    assert [(m.source, m.target) for m in merges] == [(2, 1)]
    assert merges[0].source_share == pytest.approx(1 / 21)


def test_settle_segments_reassigns_to_the_nearest_centroid_until_stable():
    # Segment 1 = {2, 2, 8.8} has centroid 4.27, but its rows are nearer 0 (the 2s, 2 < 2.27)
    # and 10 (8.8, 1.2 < 4.53): it empties, and the settled centroids are 4 / 6 and 48.8 / 5.
    prepared = np.array([[0.0]] * 4 + [[2.0], [2.0], [8.8]] + [[10.0]] * 4)
    labels = np.array([0] * 4 + [1] * 3 + [2] * 4)
    ids, centroids, merges = settle_segments(prepared, labels, np.ones(11), 0.05)
    assert ids.tolist() == [0, 2]
    np.testing.assert_allclose(centroids, [[4.0 / 6.0], [48.8 / 5.0]])
    assert merges == ()
