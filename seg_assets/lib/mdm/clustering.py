"""Records into customers: link pairs above a threshold, strongest first, never across a split.

Links are taken in order of evidence (steward force-match, deterministic rules, then match
probability) and joined with a union-find. A link that would put two records a steward has
split into one customer is refused, so a force-split holds however the records are chained.
Each customer's key is the record that anchors it: the first of its records in anchor order
(ERP before CRM before finance, then by ID), so keys stay put from run to run.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

SYSTEM_ANCHOR_ORDER = ("erp", "crm", "finance")
STEWARD_RULE = "steward_force_match"
SINGLETON_RULE = "unmatched"


class ConflictingOverridesError(ValueError):
    """Steward force-matches chain together records a steward force-split."""


@dataclass
class _UnionFind:
    parent: list[int]
    banned: dict[int, set[int]]

    def find(self, node: int) -> int:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def allowed(self, a: int, b: int) -> bool:
        banned = self.banned.get(a)
        return not banned or all(self.find(other) != b for other in banned)

    def union(self, a: int, b: int) -> int:
        root, child = min(a, b), max(a, b)
        self.parent[child] = root
        if child in self.banned:
            self.banned.setdefault(root, set()).update(self.banned.pop(child))
        return root


def anchor_order(record_ids: pl.Series) -> pl.Series:
    """Record IDs sorted so each customer's anchor comes first: by system, then by ID."""
    system = record_ids.str.split_exact(":", 1).struct.field("field_0")
    rank = system.replace_strict(
        {name: i for i, name in enumerate(SYSTEM_ANCHOR_ORDER)},
        default=len(SYSTEM_ANCHOR_ORDER),
        return_dtype=pl.Int32,
    )
    frame = pl.DataFrame({"record_id": record_ids, "rank": rank})
    return frame.sort("rank", "record_id").get_column("record_id")


def _ranked_links(pairs: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Pairs at or above ``threshold``, strongest evidence first, ties in a fixed order."""
    return (
        pairs.filter(pl.col("match_probability") >= threshold)
        .with_columns((pl.col("match_rule") == "probabilistic").alias("is_scored"))
        .sort(
            ["is_scored", "match_probability", "record_id_l", "record_id_r"],
            descending=[False, True, False, False],
        )
    )


def cluster_records(
    record_ids: pl.Series,
    pairs: pl.DataFrame,
    threshold: float,
    must_link: Sequence[tuple[str, str]] = (),
    cannot_link: Sequence[tuple[str, str]] = (),
) -> pl.DataFrame:
    """Assign every record to a customer.

    Parameters
    ----------
    record_ids
        Every record, linked or not.
    pairs
        ``record_id_l``, ``record_id_r``, ``match_probability`` and ``match_rule``.
    threshold
        Lowest match probability that links a pair.
    must_link, cannot_link
        Steward force-matches and force-splits as pairs of record IDs.

    Returns
    -------
    polars.DataFrame
        ``record_id``, ``anchor_record_id`` (the customer's key record), ``match_rule`` and
        ``match_probability`` of the strongest accepted link of the record (``unmatched`` and
        null for a record linked to nothing).

    Raises
    ------
    ConflictingOverridesError
        If force-matches connect two records that are force-split.
    """
    return cluster_at_thresholds(record_ids, pairs, (threshold,), must_link, cannot_link)[threshold]


def cluster_at_thresholds(
    record_ids: pl.Series,
    pairs: pl.DataFrame,
    thresholds: Sequence[float],
    must_link: Sequence[tuple[str, str]] = (),
    cannot_link: Sequence[tuple[str, str]] = (),
) -> dict[float, pl.DataFrame]:
    """``cluster_records`` at several thresholds in one pass over the links.

    The links at a threshold are a prefix of the ranked links, so the customers at each
    threshold are a snapshot taken on the way down, the same as clustering at it alone.
    """
    ordered = anchor_order(record_ids)
    index = {record_id: i for i, record_id in enumerate(ordered.to_list())}
    forest = _UnionFind(parent=list(range(len(index))), banned={})
    for a, b in cannot_link:
        forest.banned.setdefault(index[a], set()).add(index[b])
        forest.banned.setdefault(index[b], set()).add(index[a])
    best: dict[int, tuple[float, str]] = {}

    def link(a: int, b: int, probability: float, rule: str) -> bool:
        root_a, root_b = forest.find(a), forest.find(b)
        if root_a != root_b:
            if not (forest.allowed(root_a, root_b) and forest.allowed(root_b, root_a)):
                return False
            forest.union(root_a, root_b)
        for node in (a, b):
            if node not in best or probability > best[node][0]:
                best[node] = (probability, rule)
        return True

    def snapshot() -> pl.DataFrame:
        roots = [forest.find(i) for i in range(len(index))]
        return pl.DataFrame(
            {
                "record_id": ordered,
                "anchor_record_id": ordered.gather(roots),
                "match_rule": [best[i][1] if i in best else SINGLETON_RULE for i in index.values()],
                "match_probability": pl.Series(
                    [best[i][0] if i in best else None for i in index.values()], dtype=pl.Float64
                ),
            }
        )

    for a, b in must_link:
        if not link(index[a], index[b], 1.0, STEWARD_RULE):
            raise ConflictingOverridesError(
                f"force-match {a} = {b} joins records that a force-split keeps apart"
            )
    links = _ranked_links(pairs, min(thresholds)).select(
        "record_id_l", "record_id_r", "match_probability", "match_rule"
    )
    rows, position, snapshots = links.rows(), 0, {}
    for threshold in sorted(set(thresholds), reverse=True):
        while position < len(rows) and rows[position][2] >= threshold:
            left, right, probability, rule = rows[position]
            link(index[left], index[right], probability, rule)
            position += 1
        snapshots[threshold] = snapshot()
    return snapshots
