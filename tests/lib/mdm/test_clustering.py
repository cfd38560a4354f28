"""Records into customers: thresholds, chains, steward must-/cannot-links and anchors."""

import polars as pl
import pytest

from seg_assets.lib.mdm.clustering import (
    ConflictingOverridesError,
    anchor_order,
    cluster_at_thresholds,
    cluster_records,
)


def pairs(*rows: tuple[str, str, float, str]) -> pl.DataFrame:
    return pl.DataFrame(
        list(rows),
        schema={
            "record_id_l": pl.String,
            "record_id_r": pl.String,
            "match_probability": pl.Float64,
            "match_rule": pl.String,
        },
        orient="row",
    )


def customers(assignment: pl.DataFrame) -> set[frozenset[str]]:
    groups = assignment.group_by("anchor_record_id").agg("record_id")
    return {frozenset(records) for records in groups["record_id"].to_list()}


def anchors(assignment: pl.DataFrame) -> dict[str, str]:
    return dict(assignment.select("record_id", "anchor_record_id").iter_rows())


def ids(*records: str) -> pl.Series:
    return pl.Series("record_id", list(records))


def test_the_threshold_is_respected_and_inclusive():
    scored = pairs(
        ("crm:A", "erp:B", 0.9, "probabilistic"),  # exactly at the threshold: linked
        ("crm:C", "erp:D", 0.8999, "probabilistic"),
    )
    assignment = cluster_records(ids("erp:B", "crm:A", "erp:D", "crm:C"), scored, 0.9)
    assert customers(assignment) == {
        frozenset({"crm:A", "erp:B"}),
        frozenset({"erp:D"}),
        frozenset({"crm:C"}),
    }
    lower = cluster_records(ids("erp:B", "crm:A", "erp:D", "crm:C"), scored, 0.5)
    assert len(customers(lower)) == 2


def test_transitive_chains_join():
    scored = pairs(
        ("crm:A", "crm:B", 0.95, "probabilistic"),
        ("crm:B", "finance:C", 0.97, "probabilistic"),
        ("erp:D", "finance:C", 1.0, "same_tax_id"),
    )
    assignment = cluster_records(ids("crm:A", "crm:B", "finance:C", "erp:D"), scored, 0.9)
    assert customers(assignment) == {frozenset({"crm:A", "crm:B", "finance:C", "erp:D"})}
    assert set(anchors(assignment).values()) == {"erp:D"}


def test_cannot_link_holds_even_when_a_chain_of_links_would_connect_the_records():
    scored = pairs(
        ("crm:A", "crm:B", 0.99, "probabilistic"),
        ("crm:B", "crm:C", 0.98, "probabilistic"),
        ("crm:C", "crm:D", 0.97, "probabilistic"),
        ("crm:A", "crm:D", 0.96, "probabilistic"),
    )
    assignment = cluster_records(
        ids("crm:A", "crm:B", "crm:C", "crm:D"), scored, 0.9, cannot_link=[("crm:A", "crm:D")]
    )
    # Strongest first: A-B, then B-C; C-D would join D to A (refused), and so would A-D.
    assert customers(assignment) == {frozenset({"crm:A", "crm:B", "crm:C"}), frozenset({"crm:D"})}
    assert assignment.filter(pl.col("record_id") == "crm:D")["match_rule"].item() == "unmatched"


def test_cannot_link_holds_after_both_sides_have_grown():
    scored = pairs(
        ("crm:A", "crm:B", 0.99, "probabilistic"),
        ("crm:C", "crm:D", 0.99, "probabilistic"),
        ("crm:B", "crm:C", 0.95, "probabilistic"),  # would join {A, B} and {C, D}
    )
    assignment = cluster_records(
        ids("crm:A", "crm:B", "crm:C", "crm:D"), scored, 0.9, cannot_link=[("crm:B", "crm:D")]
    )
    assert customers(assignment) == {frozenset({"crm:A", "crm:B"}), frozenset({"crm:C", "crm:D"})}


def test_must_link_joins_records_with_no_pair_and_is_credited_to_the_steward():
    assignment = cluster_records(
        ids("erp:C1", "crm:A1", "crm:A2"), pairs(), 0.9, must_link=[("crm:A1", "erp:C1")]
    )
    assert customers(assignment) == {frozenset({"erp:C1", "crm:A1"}), frozenset({"crm:A2"})}
    rows = {row["record_id"]: row for row in assignment.iter_rows(named=True)}
    assert rows["crm:A1"]["match_rule"] == rows["erp:C1"]["match_rule"] == "steward_force_match"
    assert rows["crm:A1"]["match_probability"] == 1.0
    assert (rows["crm:A2"]["match_rule"], rows["crm:A2"]["match_probability"]) == (
        "unmatched",
        None,
    )


def test_must_link_conflicting_with_cannot_link_raises():
    with pytest.raises(ConflictingOverridesError, match=r"crm:A = erp:C"):
        cluster_records(
            ids("erp:B", "crm:A", "erp:C"),
            pairs(),
            0.9,
            must_link=[("erp:B", "crm:A"), ("crm:A", "erp:C")],
            cannot_link=[("erp:B", "erp:C")],
        )


def test_anchor_is_erp_before_crm_before_finance_then_by_id():
    order = anchor_order(ids("finance:F1", "crm:A2", "other:X", "erp:C9", "crm:A1", "erp:C10"))
    assert order.to_list() == ["erp:C10", "erp:C9", "crm:A1", "crm:A2", "finance:F1", "other:X"]
    scored = pairs(
        ("crm:A1", "finance:F1", 1.0, "same_tax_id"),
        ("crm:A1", "erp:C9", 0.95, "probabilistic"),
        ("crm:A2", "finance:F2", 1.0, "same_tax_id"),
    )
    assignment = cluster_records(
        ids("finance:F1", "crm:A1", "erp:C9", "finance:F2", "crm:A2"), scored, 0.9
    )
    assert anchors(assignment) == {
        "erp:C9": "erp:C9",
        "crm:A1": "erp:C9",
        "finance:F1": "erp:C9",
        "crm:A2": "crm:A2",
        "finance:F2": "crm:A2",
    }
    assert assignment["record_id"].to_list() == [
        "erp:C9",
        "crm:A1",
        "crm:A2",
        "finance:F1",
        "finance:F2",
    ]


def test_each_record_carries_its_strongest_accepted_link():
    scored = pairs(
        ("crm:A", "erp:B", 0.93, "probabilistic"),
        ("crm:A", "finance:C", 0.99, "probabilistic"),
        ("erp:B", "finance:D", 1.0, "same_tax_id"),
        ("crm:E", "erp:B", 0.5, "probabilistic"),  # below the threshold: not a link
    )
    assignment = cluster_records(
        ids("crm:A", "erp:B", "finance:C", "finance:D", "crm:E"), scored, 0.9
    )
    rows = {r: (rule, p) for r, _, rule, p in assignment.iter_rows()}
    assert rows == {
        "crm:A": ("probabilistic", 0.99),
        "erp:B": ("same_tax_id", 1.0),
        "finance:C": ("probabilistic", 0.99),
        "finance:D": ("same_tax_id", 1.0),
        "crm:E": ("unmatched", None),
    }
    assert assignment.columns == [
        "record_id",
        "anchor_record_id",
        "match_rule",
        "match_probability",
    ]


def test_deterministic_links_are_taken_before_scored_ones_of_equal_probability():
    # Ordered by ID alone, A-B would come first; the rule link A-C is taken first instead,
    # so with B and C split, A joins C.
    scored = pairs(
        ("crm:A", "crm:B", 1.0, "probabilistic"),
        ("crm:A", "crm:C", 1.0, "same_erp_customer_number"),
    )
    assignment = cluster_records(
        ids("crm:A", "crm:B", "crm:C"), scored, 0.9, cannot_link=[("crm:B", "crm:C")]
    )
    assert customers(assignment) == {frozenset({"crm:A", "crm:C"}), frozenset({"crm:B"})}


def test_one_pass_over_several_thresholds_equals_clustering_at_each():
    records = ids("erp:C1", "erp:C2", "crm:A1", "crm:A2", "finance:F1", "finance:F2")
    scored = pairs(
        ("erp:C1", "finance:F1", 1.0, "same_tax_id"),
        ("crm:A1", "erp:C1", 0.97, "probabilistic"),
        ("crm:A2", "erp:C2", 0.93, "probabilistic"),
        ("crm:A1", "crm:A2", 0.85, "probabilistic"),
        ("erp:C2", "finance:F2", 0.6, "probabilistic"),
    )
    split = [("erp:C1", "erp:C2")]
    together = [("finance:F2", "crm:A2")]
    thresholds = (0.5, 0.9, 0.95, 0.99)
    snapshots = cluster_at_thresholds(records, scored, thresholds, together, split)
    for threshold in thresholds:
        alone = cluster_records(records, scored, threshold, together, split)
        assert snapshots[threshold].equals(alone), threshold
    # The force-split holds at the lowest threshold, where A1-A2 would chain C1 to C2.
    assert customers(snapshots[0.5]) == {
        frozenset({"erp:C1", "crm:A1", "finance:F1"}),
        frozenset({"erp:C2", "crm:A2", "finance:F2"}),
    }
