"""Why each customer sits in its segment (exact per-feature attribution) and readable rules.

Nearest-centroid assignment compares squared Euclidean distances, which are sums over
features, so the choice of segment ``a`` over the runner-up ``b`` splits exactly into one
term per feature. The surrogate tree is only a readable summary; its fidelity says how far
to trust it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.tree import DecisionTreeClassifier

DRIVER_SCHEMA = {
    "row": pl.Int64,
    "rank": pl.Int64,
    "feature": pl.String,
    "contribution": pl.Float64,
    "share_of_margin": pl.Float64,
}
RULE_SCHEMA = {
    "rule_id": pl.Int64,
    "segment": pl.Int64,
    "conditions": pl.String,
    "customers": pl.Int64,
    "precision": pl.Float64,
    "segment_recall": pl.Float64,
}
ROOT_CONDITIONS = "all customers"


def contrast_contributions(
    features: np.ndarray,
    centroids: np.ndarray,
    assigned: np.ndarray,
    runner_up: np.ndarray,
) -> np.ndarray:
    """Per-feature share of each row's preference for its segment over the runner-up.

    ``contribution_f = (x_f - b_f)^2 - (x_f - a_f)^2``; a row's contributions sum to
    ``d_b^2 - d_a^2``, which is non-negative when ``a`` is the nearest centroid.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix (the space the centroids live in), shape (n_rows, n_features).
    centroids : np.ndarray
        Shape (n_segments, n_features).
    assigned, runner_up : np.ndarray
        Row index into ``centroids`` of each row's segment and of its runner-up (for
        example ``Membership.segment`` and ``Membership.runner_up`` when the ids are
        ``0 .. n_segments - 1``). Equal indices give all-zero contributions.

    Returns
    -------
    np.ndarray
        Shape (n_rows, n_features); positive entries pull the row towards its segment.
    """
    features = np.asarray(features, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    to_assigned = features - centroids[np.asarray(assigned, dtype=int)]
    to_runner_up = features - centroids[np.asarray(runner_up, dtype=int)]
    return to_runner_up**2 - to_assigned**2


def top_drivers(
    contributions: np.ndarray,
    feature_names: Sequence[str],
    top_n: int = 3,
) -> pl.DataFrame:
    """List the features that pull each row towards its segment most, as a long table.

    Parameters
    ----------
    contributions : np.ndarray
        Output of :func:`contrast_contributions`, shape (n_rows, n_features).
    feature_names : sequence of str
        Name of each column.
    top_n : int
        Most drivers listed per row.

    Returns
    -------
    pl.DataFrame
        Columns ``row``, ``rank`` (1 .. top_n), ``feature``, ``contribution`` and
        ``share_of_margin`` (contribution over the row's total, null when the total is 0).
        Only positive contributions are listed, ranked descending with ties in feature
        order, so a row may have fewer than ``top_n`` drivers or none.
    """
    contributions = np.atleast_2d(np.asarray(contributions, dtype=float))
    names = list(feature_names)
    if len(names) != contributions.shape[1]:
        raise ValueError(
            f"top_drivers got {len(names)} feature names for {contributions.shape[1]} columns"
        )
    # A stable sort of the negated values keeps tied features in column order.
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top_n]
    rows = np.repeat(np.arange(len(contributions)), order.shape[1])
    columns = order.ravel()
    values = contributions[rows, columns]
    ranks = np.tile(np.arange(1, order.shape[1] + 1), len(contributions))
    totals = contributions.sum(axis=1)[rows]
    positive = values > 0
    return pl.DataFrame(
        {
            "row": rows[positive],
            "rank": ranks[positive],
            "feature": [names[c] for c in columns[positive]],
            "contribution": values[positive],
            "share_of_margin": [
                None if total == 0 else value / total
                for value, total in zip(values[positive], totals[positive], strict=True)
            ],
        },
        schema=DRIVER_SCHEMA,
    )


@dataclass(frozen=True)
class SurrogateRules:
    """A shallow decision tree's leaves read as rules for the segments.

    Attributes
    ----------
    rules : pl.DataFrame
        One row per leaf, left to right: ``rule_id``, ``segment`` (the leaf's majority
        label), ``conditions``, ``customers`` (rows reaching the leaf), ``precision`` (share
        of those rows in ``segment``) and ``segment_recall`` (share of the segment's rows
        reaching the leaf).
    fidelity : float
        Share of rows the tree puts in their actual segment: how far the rules can be
        trusted as a description of the model.
    """

    rules: pl.DataFrame
    fidelity: float


def _conditions_text(path: list[tuple[int, str, float]], feature_names: Sequence[str]) -> str:
    """``name <= t and name > t ...`` for a root-to-leaf path, tightest bound per direction."""
    tightest: dict[tuple[int, str], float] = {}
    for feature, operator, threshold in path:
        key = (feature, operator)
        if key not in tightest:
            tightest[key] = threshold
        elif operator == "<=":
            tightest[key] = min(tightest[key], threshold)
        else:
            tightest[key] = max(tightest[key], threshold)
    if not tightest:
        return ROOT_CONDITIONS
    # Dict order is the order each bound first appears on the path, root first.
    return " and ".join(
        f"{feature_names[feature]} {operator} {threshold:.4g}"
        for (feature, operator), threshold in tightest.items()
    )


def surrogate_rules(
    features: np.ndarray,
    feature_names: Sequence[str],
    labels: np.ndarray,
    max_depth: int = 3,
    min_samples_leaf: int = 20,
    random_state: int = 0,
) -> SurrogateRules:
    """Readable rules for the segments from a shallow decision tree fitted to the labels.

    Parameters
    ----------
    features : np.ndarray
        Finite feature values in readable units (raw, before scaling and weighting),
        shape (n_rows, n_features).
    feature_names : sequence of str
        Name of each column, used in the conditions.
    labels : np.ndarray
        Segment id of each row (non-negative integers, not necessarily contiguous).
    max_depth, min_samples_leaf, random_state : int
        Passed to ``sklearn.tree.DecisionTreeClassifier``.

    Returns
    -------
    SurrogateRules

    Notes
    -----
    Thresholds are printed with 4 significant digits, so a row lying between a threshold
    and its rounded value reads differently from the tree; ``customers`` counts what the
    tree does.
    """
    features = np.asarray(features, dtype=float)
    labels = np.asarray(labels).astype(int)
    if len(feature_names) != features.shape[1]:
        raise ValueError(
            f"surrogate_rules got {len(feature_names)} feature names "
            f"for {features.shape[1]} columns"
        )
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=random_state
    ).fit(features, labels)
    structure = tree.tree_
    leaf_of_row = tree.apply(features)
    records = []
    # Depth-first, left child before right, so leaves come out left to right.
    stack: list[tuple[int, list[tuple[int, str, float]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # sklearn marks a leaf with both children -1
            segment = int(tree.classes_[np.argmax(structure.value[node][0])])
            reaching = leaf_of_row == node
            hits = int(np.sum(labels[reaching] == segment))
            records.append(
                {
                    "rule_id": len(records) + 1,
                    "segment": segment,
                    "conditions": _conditions_text(path, feature_names),
                    "customers": int(reaching.sum()),
                    "precision": hits / int(reaching.sum()),
                    "segment_recall": hits / int(np.sum(labels == segment)),
                }
            )
            continue
        feature = int(structure.feature[node])
        threshold = float(structure.threshold[node])
        stack.append((right, [*path, (feature, ">", threshold)]))
        stack.append((left, [*path, (feature, "<=", threshold)]))
    fidelity = float(np.mean(tree.predict(features) == labels))
    return SurrogateRules(rules=pl.DataFrame(records, schema=RULE_SCHEMA), fidelity=fidelity)
