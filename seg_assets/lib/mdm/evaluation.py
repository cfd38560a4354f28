"""Matching and hierarchy measured against planted truth (the generator's, or a steward's sample).

Truth is read only here, to report how good the resolution is; matching never sees it.
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

TRUTH_CROSSWALK = "customer_crosswalk.csv"
TRUTH_PARENT_LINKS = "parent_links.csv"


@dataclass(frozen=True)
class PairwiseScores:
    """Pairwise precision and recall: over all pairs of records put in the same customer."""

    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        """Share of predicted same-customer pairs that are truly the same customer."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true same-customer pairs that were predicted."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs_within(sizes: pl.Series) -> int:
    sizes = sizes.cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(assignment: pl.DataFrame, truth: pl.DataFrame) -> PairwiseScores:
    """Compare a record-to-customer assignment with the true one.

    Parameters
    ----------
    assignment
        ``record_id`` and ``anchor_record_id`` (the predicted customer).
    truth
        ``record_id`` and ``true_customer_id``; records missing from either side are ignored.
    """
    both = assignment.join(truth, on="record_id", how="inner")
    return PairwiseScores(
        predicted_pairs=_pairs_within(both.group_by("anchor_record_id").len()["len"]),
        true_pairs=_pairs_within(both.group_by("true_customer_id").len()["len"]),
        correct_pairs=_pairs_within(
            both.group_by("anchor_record_id", "true_customer_id").len()["len"]
        ),
    )


def read_truth_crosswalk(truth_dir: Path) -> pl.DataFrame | None:
    """``record_id`` -> ``true_customer_id`` from the truth folder, or None if there is none."""
    path = truth_dir / TRUTH_CROSSWALK
    if not path.exists():
        return None
    frame = pl.read_csv(path, infer_schema=False)
    return frame.select(
        (pl.col("source_system") + ":" + pl.col("source_id")).alias("record_id"),
        "true_customer_id",
    )


def read_truth_parent_links(truth_dir: Path) -> pl.DataFrame | None:
    """True ``child_customer_id`` -> ``parent_customer_id`` links, or None if there are none."""
    path = truth_dir / TRUTH_PARENT_LINKS
    return pl.read_csv(path, infer_schema=False) if path.exists() else None


@dataclass(frozen=True)
class LinkScores:
    """Parent links found against parent links planted."""

    predicted_links: int
    true_links: int
    correct_links: int

    @property
    def precision(self) -> float:
        """Share of predicted parent links that are true."""
        return self.correct_links / self.predicted_links if self.predicted_links else 1.0

    @property
    def recall(self) -> float:
        """Share of true parent links that were found."""
        return self.correct_links / self.true_links if self.true_links else 1.0


def parent_link_scores(
    links: pl.DataFrame, crosswalk: pl.DataFrame, truth_crosswalk: pl.DataFrame,
    truth_links: pl.DataFrame,
) -> LinkScores:  # fmt: skip
    """Score predicted ``customer_key`` -> ``parent_key`` links against true ones.

    A predicted customer stands for the true customer most of its records belong to.

    Parameters
    ----------
    links
        ``customer_key`` and ``parent_key`` (null for no parent).
    crosswalk
        ``record_id`` -> ``customer_key``.
    truth_crosswalk
        ``record_id`` -> ``true_customer_id``.
    truth_links
        ``child_customer_id`` -> ``parent_customer_id``.
    """
    majority = (
        crosswalk.join(truth_crosswalk, on="record_id")
        .group_by("customer_key", "true_customer_id")
        .len()
        .sort("len", "true_customer_id", descending=[True, False])
        .unique("customer_key", keep="first")
        .select("customer_key", "true_customer_id")
    )
    predicted = (
        links.drop_nulls("parent_key")
        .join(majority, on="customer_key")
        .join(
            majority.rename({"customer_key": "parent_key", "true_customer_id": "true_parent_id"}),
            on="parent_key",
        )
        .select(
            pl.col("true_customer_id").alias("child_customer_id"),
            pl.col("true_parent_id").alias("parent_customer_id"),
        )
        .unique()
    )
    correct = predicted.join(truth_links, on=["child_customer_id", "parent_customer_id"])
    return LinkScores(
        predicted_links=predicted.height,
        true_links=truth_links.height,
        correct_links=correct.height,
    )
