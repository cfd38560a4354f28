"""How well segments recover planted archetypes, beside the best any method could do.

Only for generated data, where the archetype each customer was drawn from is known. The
clustering's adjusted Rand index is reported next to the cross-validated accuracy (and ARI)
of a supervised classifier trained on the true archetypes with the same prepared features:
the ceiling an unsupervised method can approach, since the archetypes overlap.
"""

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ARCHETYPES_FILE = "customer_archetypes.csv"
SWITCHES_FILE = "archetype_switches.csv"
CEILING_FOLDS = 5


def planted_archetypes(
    con: duckdb.DuckDBPyConnection, truth_dir: Path, as_of_month: date
) -> pl.DataFrame | None:
    """``customer_key, archetype`` at ``as_of_month`` through the crosswalk of ERP records.

    None without truth. A customer that a planted drift switched on or before the month takes
    its new archetype (the truth the segments should recover after the drift). A golden
    customer takes the archetype of its first ERP record (duplicates of one real customer share
    it).
    """
    path = truth_dir / ARCHETYPES_FILE
    if not path.exists():
        return None
    truth = pl.read_csv(path, schema_overrides={"customer_id": pl.String})
    switches = truth_dir / SWITCHES_FILE
    if switches.exists():
        switched = (
            pl.read_csv(
                switches, schema_overrides={"customer_id": pl.String, "from_month": pl.Date}
            )
            .filter(pl.col("from_month") <= as_of_month)
            .select("customer_id", "to_archetype")
        )
        truth = truth.join(switched, on="customer_id", how="left").select(
            "customer_id", pl.coalesce("to_archetype", "archetype").alias("archetype")
        )
    crosswalk = con.sql(
        "select record_id, customer_key from mdm.crosswalk where source_system = 'erp'"
    ).pl()
    return (
        truth.with_columns(("erp:" + pl.col("customer_id")).alias("record_id"))
        .join(crosswalk, on="record_id")
        .sort("record_id")
        .unique("customer_key", keep="first")
        .select("customer_key", "archetype")
    )


def archetype_recovery(
    assignments: pl.DataFrame,
    prepared: np.ndarray,
    prepared_keys: pl.Series,
    truth: pl.DataFrame,
    random_state: int = 0,
) -> dict[str, float | int]:
    """ARI of the segments against the archetypes, and the supervised ceiling.

    Parameters
    ----------
    assignments : pl.DataFrame
        ``customer_key, segment_id`` of every segmented customer.
    prepared : np.ndarray
        The prepared features the clustering saw, one row per ``prepared_keys``.
    prepared_keys : pl.Series
        Customer of each prepared row.
    truth : pl.DataFrame
        ``customer_key, archetype``.
    random_state : int
        Seed of the folds and the classifier.

    Returns
    -------
    dict
        ``archetype_ari`` over every segmented customer with an archetype;
        ``supervised_accuracy_ceiling`` and ``supervised_ari_ceiling``: cross-validated
        predictions of a gradient-boosted classifier on the clustered customers' features;
        ``evaluated_customers``.
    """
    scored = assignments.join(truth, on="customer_key")
    ari = adjusted_rand_score(scored.get_column("archetype"), scored.get_column("segment_id"))
    # In row order: the folds, and so the ceilings, depend on it (a join keeps no order).
    labelled = (
        pl.DataFrame({"customer_key": prepared_keys})
        .with_row_index("row")
        .join(truth, on="customer_key")
        .sort("row")
    )
    rows = labelled.get_column("row").to_numpy()
    archetypes = labelled.get_column("archetype").to_numpy()
    folds = StratifiedKFold(CEILING_FOLDS, shuffle=True, random_state=random_state)
    predicted = cross_val_predict(
        HistGradientBoostingClassifier(random_state=random_state),
        prepared[rows],
        archetypes,
        cv=folds,
    )
    return {
        "archetype_ari": float(ari),
        "supervised_accuracy_ceiling": float((predicted == archetypes).mean()),
        "supervised_ari_ceiling": float(adjusted_rand_score(archetypes, predicted)),
        "evaluated_customers": scored.height,
    }
