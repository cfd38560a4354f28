"""Pairwise and parent-link scores against planted truth, computed by hand."""

import polars as pl
import pytest

from seg_assets.lib.mdm.evaluation import (
    PairwiseScores,
    pairwise_scores,
    parent_link_scores,
    read_truth_crosswalk,
    read_truth_parent_links,
)


def frame(columns: tuple[str, str], rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=list(columns), orient="row")


def test_pairwise_scores_by_hand():
    # Predicted customers {1,2,3} {4,5} {6} {7,8}: 3 + 1 + 0 + 1 = 5 pairs.
    # True customers {1,2} {3,4,5} {6,7,8}: 1 + 3 + 3 = 7 pairs.
    # Both: {1,2}, {4,5}, {7,8}: 3 pairs. Record 9 is only predicted and is ignored.
    assignment = frame(
        ("record_id", "anchor_record_id"),
        [("r1", "r1"), ("r2", "r1"), ("r3", "r1"), ("r4", "r4"), ("r5", "r4"), ("r6", "r6"),
         ("r7", "r7"), ("r8", "r7"), ("r9", "r1")],
    )  # fmt: skip
    truth = frame(
        ("record_id", "true_customer_id"),
        [("r1", "T1"), ("r2", "T1"), ("r3", "T2"), ("r4", "T2"), ("r5", "T2"), ("r6", "T3"),
         ("r7", "T3"), ("r8", "T3")],
    )  # fmt: skip
    scores = pairwise_scores(assignment, truth)
    assert scores == PairwiseScores(predicted_pairs=5, true_pairs=7, correct_pairs=3)
    assert scores.precision == pytest.approx(3 / 5)
    assert scores.recall == pytest.approx(3 / 7)
    # 2 * (3/5) * (3/7) / (3/5 + 3/7) = (18/35) / (36/35)
    assert scores.f1 == pytest.approx(0.5)


def test_pairwise_scores_without_pairs_are_perfect_and_without_overlap_zero():
    assert PairwiseScores(0, 0, 0).precision == PairwiseScores(0, 0, 0).recall == 1.0
    assert PairwiseScores(0, 0, 0).f1 == 1.0
    assert PairwiseScores(4, 2, 0).f1 == 0.0
    singletons = frame(("record_id", "anchor_record_id"), [("r1", "r1"), ("r2", "r2")])
    one_truth = frame(("record_id", "true_customer_id"), [("r1", "T"), ("r2", "T")])
    scores = pairwise_scores(singletons, one_truth)
    assert (scores.precision, scores.recall) == (1.0, 0.0)


def test_parent_link_scores_by_hand():
    # Each predicted customer stands for the true customer most of its records belong to:
    # K1 -> T1 (2 of 3), K2 -> T2 (1:1 tie with T3, lowest ID), K3 -> T4, K4 -> T5, K5 -> T2.
    crosswalk = frame(
        ("record_id", "customer_key"),
        [("a1", "K1"), ("a2", "K1"), ("a3", "K1"), ("b1", "K2"), ("b2", "K2"), ("c1", "K3"),
         ("d1", "K4"), ("e1", "K5")],
    )  # fmt: skip
    truth_crosswalk = frame(
        ("record_id", "true_customer_id"),
        [("a1", "T1"), ("a2", "T1"), ("a3", "T2"), ("b1", "T3"), ("b2", "T2"), ("c1", "T4"),
         ("d1", "T5"), ("e1", "T2")],
    )  # fmt: skip
    links = frame(
        ("customer_key", "parent_key"),
        [("K1", None), ("K2", "K1"), ("K3", "K1"), ("K4", "K3"), ("K5", "K1")],
    )
    truth_links = frame(
        ("child_customer_id", "parent_customer_id"),
        [("T2", "T1"), ("T4", "T2"), ("T5", "T4"), ("T3", "T1")],
    )
    # Predicted as true links: T2->T1 (from K2 and again from K5: counted once), T4->T1, T5->T4.
    # Correct: T2->T1 and T5->T4. T4->T1 is wrong; T4->T2 and T3->T1 are missed.
    scores = parent_link_scores(links, crosswalk, truth_crosswalk, truth_links)
    assert (scores.predicted_links, scores.true_links, scores.correct_links) == (3, 4, 2)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(1 / 2)


def test_truth_files_are_read_if_present(tmp_path):
    assert read_truth_crosswalk(tmp_path) is None
    assert read_truth_parent_links(tmp_path) is None
    (tmp_path / "customer_crosswalk.csv").write_text(
        "source_system,source_id,true_customer_id\nerp,C000001,T1\ncrm,ACC-00001,T1\n"
    )
    (tmp_path / "parent_links.csv").write_text("child_customer_id,parent_customer_id\nT2,T1\n")
    assert read_truth_crosswalk(tmp_path).rows() == [("erp:C000001", "T1"), ("crm:ACC-00001", "T1")]
    assert read_truth_parent_links(tmp_path).rows() == [("T2", "T1")]
