"""Segmentation settings: the shipped file loads, every malformed entry is refused by name,
the fingerprint follows every setting, and the columns read are listed once in first-use order.
"""

import copy
import re
from pathlib import Path

import pytest
import yaml

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.segmentation.settings import (
    Bounds,
    FeatureSpec,
    SegmentationConfigError,
    SegmentationSettings,
    default_segmentation_settings_path,
    load_segmentation_settings,
)

BASE = {
    "seed": 11,
    "min_history_months": 6,
    "retrain_every_months": 2,
    "features": [
        {"feature": "orders", "transform": "log", "log_offset": 1, "weight": 1.0, "label": "order"},
        {"feature": "margin", "transform": "none", "weight": 2.0, "label": "margin"},
    ],
    "scaling": "standard",
    "data_errors": [
        {"feature": "revenue", "min": 0.01, "max": None},
        {"feature": "margin", "min": -1.0, "max": 1.0},
    ],
    "strategic_outliers": {"feature": "revenue", "min_robust_z": 3.5, "segment_name": "Big"},
    "selection": {
        "algorithms": ["kmeans", "ward"],
        "min_segments": 2,
        "max_segments": 4,
        "kmeans_restarts": 3,
        "silhouette_sample_size": 500,
        "silhouette_tolerance": 0.01,
        "max_noise_share": 0.1,
        "max_fit_rows": 1000,
    },
    "min_volume_share": 0.05,
    "volume_measure": "customers",
    "borderline_margin": 0.1,
    "explanations": {"top_features": 2, "rule_depth": 2, "rule_min_customers": 5},
    "stability": {
        "bootstrap_resamples": 3,
        "holdout_share": 0.3,
        "perturbation_noise": 0.1,
        "kmeans_restarts": 2,
    },
}


def _synthetic(path: Path) -> SegmentationSettings:
    """Settings over synthetic feature names, not checked against the feature mart."""
    return load_segmentation_settings(path, check_feature_mart=False)


def write_settings(path: Path, document: dict) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def changed(**entries: object) -> dict:
    """BASE with top-level entries replaced; ``a__b`` replaces ``b`` inside ``a``."""
    document = copy.deepcopy(BASE)
    for key, value in entries.items():
        *parents, leaf = key.split("__")
        target = document
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return document


def with_feature(index: int, **entry: object) -> dict:
    document = copy.deepcopy(BASE)
    document["features"][index].update(entry)
    return document


def test_the_shipped_settings_load_and_read_every_entry():
    settings = load_segmentation_settings()
    raw = yaml.safe_load(default_segmentation_settings_path().read_text())
    assert settings.feature_names == tuple(entry["feature"] for entry in raw["features"])
    assert settings.seed == raw["seed"]
    assert settings.selection.algorithms == tuple(raw["selection"]["algorithms"])
    assert [bounds.feature for bounds in settings.data_errors] == [
        entry["feature"] for entry in raw["data_errors"]
    ]
    assert settings.strategic_outliers is not None
    assert settings.strategic_outliers.feature == raw["strategic_outliers"]["feature"]
    assert settings.min_volume_share == raw["min_volume_share"]
    assert settings.stability.bootstrap_resamples == raw["stability"]["bootstrap_resamples"]
    assert re.fullmatch(r"[0-9a-f]{16}", settings.fingerprint)


def test_a_small_file_loads_with_its_values_and_defaults(tmp_path):
    settings = _synthetic(write_settings(tmp_path / "seg.yaml", BASE))
    assert settings.features == (
        FeatureSpec(feature="orders", transform="log", log_offset=1.0, weight=1.0, label="order"),
        FeatureSpec(feature="margin", transform="none", log_offset=1.0, weight=2.0, label="margin"),
    )
    assert settings.data_errors == (
        Bounds(feature="revenue", min=0.01, max=None),
        Bounds(feature="margin", min=-1.0, max=1.0),
    )
    assert settings.selection.algorithms == ("kmeans", "ward")
    assert (settings.selection.min_segments, settings.selection.max_segments) == (2, 4)
    assert settings.stability.bootstrap_resamples == 3

    # Omitted entries take the documented defaults; a missing label reads the name.
    minimal = load_segmentation_settings(
        write_settings(tmp_path / "minimal.yaml", {"features": [{"feature": "avg_order_lines"}]}),
    )
    assert minimal.features == (
        FeatureSpec(
            feature="avg_order_lines",
            transform="none",
            log_offset=1.0,
            weight=1.0,
            label="avg order lines",
        ),
    )
    assert minimal.strategic_outliers is None
    assert minimal.data_errors == ()
    assert minimal.volume_measure == "customers"
    assert minimal.selection.algorithms == ("kmeans", "ward", "hdbscan")


MALFORMED = [
    pytest.param(with_feature(1, transform="sqrt"), "features[1].transform", id="transform"),
    pytest.param(with_feature(0, log_offset=0), "features[0].log_offset", id="log-offset-0"),
    pytest.param(with_feature(0, log_offset=-0.5), "features[0].log_offset", id="log-offset-neg"),
    pytest.param(with_feature(1, weight=-1.0), "features[1].weight", id="negative-weight"),
    pytest.param(
        changed(features=[{"feature": "a", "weight": 0}, {"feature": "b", "weight": 0.0}]),
        "features",
        id="all-weights-zero",
    ),
    pytest.param(
        changed(features=[{"feature": "a"}, {"feature": "b"}, {"feature": "a"}]),
        "features",
        id="duplicate-feature",
    ),
    pytest.param(changed(features=[]), "features", id="no-features"),
    pytest.param(with_feature(1, feature="x; drop table"), "features[1].feature", id="feature-sql"),
    pytest.param(with_feature(0, feature="Orders"), "features[0].feature", id="feature-upper"),
    pytest.param(
        changed(
            data_errors=[{"feature": "revenue", "min": 0}, {"feature": "m", "min": 5, "max": 1}]
        ),
        "data_errors[1].min",
        id="min-above-max",
    ),
    pytest.param(
        changed(data_errors=[{"feature": "revenue", "min": "low"}]),
        "data_errors[0].min",
        id="bound-not-a-number",
    ),
    pytest.param(
        changed(selection__min_segments=5), "selection.min_segments", id="min-above-max-segments"
    ),
    pytest.param(
        changed(selection__min_segments=1), "selection.min_segments", id="min-segments-below-2"
    ),
    pytest.param(changed(selection__min_segments=0), "selection.min_segments", id="min-segments-0"),
    pytest.param(
        changed(selection__algorithms=["kmeans", "dbscan"]),
        "selection.algorithms[1]",
        id="unknown-algorithm",
    ),
    pytest.param(changed(selection__algorithms=[]), "selection.algorithms", id="no-algorithms"),
    pytest.param(changed(scaling="minmax"), "scaling", id="unknown-scaling"),
    pytest.param(
        changed(strategic_outliers__feature="revenue eur"),
        "strategic_outliers.feature",
        id="strategic-feature",
    ),
    pytest.param(changed(volume_measure="Revenue!"), "volume_measure", id="volume-measure"),
    pytest.param(
        changed(stability__holdout_share=1.5), "stability.holdout_share", id="holdout-share"
    ),
    pytest.param(
        changed(explanations__top_features=2.5),
        "explanations.top_features",
        id="top-features-fraction",
    ),
    pytest.param(changed(min_volume_share=-0.1), "min_volume_share", id="negative-min-share"),
    pytest.param(changed(seed=True), "seed", id="seed-boolean"),
]


@pytest.mark.parametrize(("document", "entry"), MALFORMED)
def test_a_malformed_entry_is_refused_naming_the_file_and_the_entry(tmp_path, document, entry):
    path = write_settings(tmp_path / "segmentation.yaml", document)
    with pytest.raises(SegmentationConfigError) as raised:
        _synthetic(path)
    assert re.match(
        rf"{re.escape(str(path))}: line \d+, column \d+: {re.escape(entry)}: ", str(raised.value)
    )
    assert isinstance(raised.value, SegAssetsError)


def test_the_messages_say_what_is_wrong(tmp_path):
    def message(document: dict) -> str:
        path = write_settings(tmp_path / "segmentation.yaml", document)
        with pytest.raises(SegmentationConfigError) as raised:
            _synthetic(path)
        return str(raised.value)

    assert "should be 'none' or 'log' (got 'sqrt')" in message(with_feature(1, transform="sqrt"))
    assert "must be > 0 for a log transform" in message(with_feature(0, log_offset=0))
    assert "a listed more than once" in message(
        changed(features=[{"feature": "a"}, {"feature": "a"}])
    )
    assert "weight above 0" in message(changed(features=[{"feature": "a", "weight": 0}]))
    assert "min 5.0 is above max 1.0" in message(
        changed(data_errors=[{"feature": "m", "min": 5, "max": 1}])
    )
    assert "min_segments 5 is above max_segments 4" in message(changed(selection__min_segments=5))
    assert "'x; drop table' is not a valid name" in message(
        with_feature(1, feature="x; drop table")
    )


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "segmentation.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(
        SegmentationConfigError, match=re.escape(f"{path}: line 1, column 1: expected a mapping")
    ):
        _synthetic(path)


def test_the_fingerprint_is_stable_under_layout_comments_and_explicit_defaults(tmp_path):
    base = _synthetic(write_settings(tmp_path / "a.yaml", BASE)).fingerprint
    again = _synthetic(write_settings(tmp_path / "b.yaml", BASE)).fingerprint
    assert base == again

    # Same settings written as flow mappings, keys reordered, with comments.
    reordered = {key: BASE[key] for key in reversed(list(BASE))}
    text = "# comment\n" + yaml.safe_dump(reordered, default_flow_style=True)
    (tmp_path / "c.yaml").write_text(text)
    assert _synthetic(tmp_path / "c.yaml").fingerprint == base

    # An entry omitted and the same entry written out at its default are the same settings.
    omitted = copy.deepcopy(BASE)
    del omitted["selection"]["max_fit_rows"]
    explicit = changed(selection__max_fit_rows=10000)
    assert (
        _synthetic(write_settings(tmp_path / "d.yaml", omitted)).fingerprint
        == _synthetic(write_settings(tmp_path / "e.yaml", explicit)).fingerprint
    )


CHANGES = [
    pytest.param(changed(seed=12), id="seed"),
    pytest.param(changed(min_history_months=7), id="min_history_months"),
    pytest.param(changed(retrain_every_months=3), id="retrain_every_months"),
    pytest.param(with_feature(0, transform="none"), id="transform"),
    pytest.param(with_feature(0, log_offset=0.5), id="log_offset"),
    pytest.param(with_feature(1, weight=1.5), id="weight"),
    pytest.param(with_feature(1, label="gross margin"), id="label"),
    pytest.param(changed(features=list(reversed(BASE["features"]))), id="feature-order"),
    pytest.param(changed(scaling="robust"), id="scaling"),
    pytest.param(changed(data_errors=[{"feature": "revenue", "min": 0.0}]), id="bounds"),
    pytest.param(changed(strategic_outliers__min_robust_z=4.0), id="min_robust_z"),
    pytest.param(changed(strategic_outliers__segment_name="Key accounts"), id="segment_name"),
    pytest.param(changed(strategic_outliers=None), id="no-strategic"),
    pytest.param(changed(selection__algorithms=["kmeans"]), id="algorithms"),
    pytest.param(changed(selection__max_segments=5), id="max_segments"),
    pytest.param(changed(selection__kmeans_restarts=4), id="kmeans_restarts"),
    pytest.param(changed(selection__silhouette_tolerance=0.02), id="silhouette_tolerance"),
    pytest.param(changed(min_volume_share=0.04), id="min_volume_share"),
    pytest.param(changed(volume_measure="revenue"), id="volume_measure"),
    pytest.param(changed(borderline_margin=0.2), id="borderline_margin"),
    pytest.param(changed(explanations__top_features=1), id="top_features"),
    pytest.param(changed(explanations__rule_depth=3), id="rule_depth"),
    pytest.param(changed(stability__bootstrap_resamples=4), id="bootstrap_resamples"),
    pytest.param(changed(stability__perturbation_noise=0.2), id="perturbation_noise"),
]


@pytest.mark.parametrize("document", CHANGES)
def test_the_fingerprint_changes_when_any_setting_changes(tmp_path, document):
    base = _synthetic(write_settings(tmp_path / "a.yaml", BASE))
    other = _synthetic(write_settings(tmp_path / "b.yaml", document))
    assert other != base
    assert other.fingerprint != base.fingerprint


def test_source_columns_are_listed_once_in_first_use_order(tmp_path):
    document = changed(
        features=[{"feature": "orders"}, {"feature": "margin"}],
        data_errors=[
            {"feature": "revenue", "min": 0},
            {"feature": "margin", "min": -1, "max": 1},
            {"feature": "days_late", "max": 730},
        ],
        strategic_outliers={"feature": "lifetime_revenue"},
        volume_measure="units",
    )
    settings = _synthetic(write_settings(tmp_path / "a.yaml", document))
    assert settings.source_columns() == (
        "orders",
        "margin",
        "revenue",
        "days_late",
        "lifetime_revenue",
        "units",
    )

    # customers is a count, not a column; a measure or outlier feature already read is not
    # repeated; no strategic rule reads nothing more.
    counted = changed(
        features=[{"feature": "orders"}],
        data_errors=[{"feature": "revenue", "min": 0}],
        strategic_outliers={"feature": "orders"},
        volume_measure="revenue",
    )
    settings = _synthetic(write_settings(tmp_path / "b.yaml", counted))
    assert settings.source_columns() == ("orders", "revenue")
    plain = changed(features=[{"feature": "orders"}], data_errors=[], strategic_outliers=None)
    settings = _synthetic(write_settings(tmp_path / "c.yaml", plain))
    assert settings.source_columns() == ("orders",)
