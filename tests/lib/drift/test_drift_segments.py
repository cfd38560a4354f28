"""segment_drift on six customers, every cell worked out by hand."""

import polars as pl
import pytest

from seg_assets.lib.drift.segments import segment_drift

# Six customers A-F. D left after training; E and F are new; segment 3 emptied, 4 appeared.
REFERENCE = pl.DataFrame(
    {
        "customer_key": ["D", "A", "C", "B"],
        "segment_id": [3, 1, 2, 1],
        "volume": [20.0, 10.0, 40.0, 30.0],
    }
)
CURRENT = pl.DataFrame(
    {
        "customer_key": ["F", "A", "B", "C", "E"],
        "segment_id": [4, 1, 2, 2, 1],
        "confidence_margin": [0.3, 0.8, 0.4, 0.6, 0.5],
        "volume": [20.0, 30.0, 10.0, 20.0, 20.0],
    }
)
# A stayed in 1; B moved 1 -> 2; C moved 3 -> 2; E moved 3 -> 1; F is not in last month.
PREVIOUS = pl.DataFrame({"customer_key": ["A", "B", "C", "D", "E"], "segment_id": [1, 1, 3, 3, 3]})

COLUMNS = [
    "segment_id",
    "reference_share",
    "current_share",
    "relative_share_change",
    "switched_share",
    "mean_confidence",
    "new_customer_share",
]
# Reference volume 100: seg 1 = A 10 + B 30 = 0.4, seg 2 = C 40 = 0.4, seg 3 = D 20 = 0.2.
# Current volume 100: seg 1 = A 30 + E 20 = 0.5, seg 2 = B 10 + C 20 = 0.3, seg 4 = F 20 = 0.2.
# relative change: seg 1 (0.5 - 0.4) / 0.4 = 0.25; seg 2 (0.3 - 0.4) / 0.4 = -0.25;
#   seg 3 (0 - 0.2) / 0.2 = -1; seg 4 reference share 0 -> null; all row -> null.
# switched: seg 1 {A same, E moved} = 1/2; seg 2 {B moved, C moved} = 1; seg 3 no current
#   customer -> null; seg 4 {F not in previous} -> null; all: A, B, C, E in previous,
#   B, C, E moved = 3/4.
# confidence: seg 1 (0.8 + 0.5) / 2 = 0.65; seg 2 (0.4 + 0.6) / 2 = 0.5; seg 3 null;
#   seg 4 0.3; all (0.3 + 0.8 + 0.4 + 0.6 + 0.5) / 5 = 2.6 / 5 = 0.52.
# new customers: seg 1 {A known, E new} = 1/2; seg 2 {B, C known} = 0; seg 3 null;
#   seg 4 {F new} = 1; all {E, F} of 5 = 0.4.
EXPECTED = [
    (1, 0.4, 0.5, 0.25, 0.5, 0.65, 0.5),
    (2, 0.4, 0.3, -0.25, 1.0, 0.5, 0.0),
    (3, 0.2, 0.0, -1.0, None, None, None),
    (4, 0.0, 0.2, None, None, 0.3, 1.0),
    (None, 1.0, 1.0, None, 0.75, 0.52, 0.4),
]


def _assert_rows(drift: pl.DataFrame, expected: list[tuple]) -> None:
    assert drift.columns == COLUMNS
    assert drift.height == len(expected)
    for row, expected_row in zip(drift.rows(), expected, strict=True):
        assert row == pytest.approx(expected_row), f"segment {expected_row[0]}"


def test_segment_drift_by_hand():
    drift = segment_drift(REFERENCE, CURRENT, PREVIOUS)
    assert drift.schema == pl.Schema(
        {"segment_id": pl.Int32} | {name: pl.Float64 for name in COLUMNS[1:]}
    )
    _assert_rows(drift, EXPECTED)


def test_segment_drift_without_previous_month_has_no_switching():
    # Same as above with switched_share (column 4) null everywhere.
    expected = [(*row[:4], None, *row[5:]) for row in EXPECTED]
    _assert_rows(segment_drift(REFERENCE, CURRENT, None), expected)


def test_segment_drift_of_an_empty_month():
    # No current customer: current volume 0 -> shares null; per-customer means null.
    # Reference rows keep their shares 0.4, 0.4, 0.2 and 1 for all.
    current = CURRENT.clear()
    drift = segment_drift(REFERENCE, current, PREVIOUS)
    expected = [
        (1, 0.4, None, None, None, None, None),
        (2, 0.4, None, None, None, None, None),
        (3, 0.2, None, None, None, None, None),
        (None, 1.0, None, None, None, None, None),
    ]
    _assert_rows(drift, expected)


def test_segment_drift_rejects_a_customer_listed_twice():
    current = pl.concat([CURRENT, CURRENT.head(1)])
    with pytest.raises(ValueError, match="current assignments list customer_key 'F' more than"):
        segment_drift(REFERENCE, current, PREVIOUS)


def test_segment_drift_rejects_a_null_segment():
    reference = REFERENCE.with_columns(segment_id=pl.lit(None, pl.Int64))
    with pytest.raises(ValueError, match="reference assignments have 4 row"):
        segment_drift(reference, CURRENT, PREVIOUS)


def test_segment_drift_names_a_missing_column():
    with pytest.raises(ValueError, match=r"current assignments lack column.*confidence_margin"):
        segment_drift(REFERENCE, CURRENT.drop("confidence_margin"), PREVIOUS)
