"""The segmentation tables in the warehouse: model registry, assignments and their history.

Every table is created up front with fixed columns, so marts reading them work before the
first month is segmented. A month is published in one transaction: its assignments,
explanations and exclusions are replaced, and a trained model's registry rows are replaced by
version (a rerun with the same data and settings rewrites the same version, keeping its
``created_at``), with the assignments it made of its training month (``model_assignments``,
which migration between versions compares). ``segmentation.publications`` is append-only:
which version was published for which month, by which run, and why (trained, scored with the
latest model, or rolled back); a rerun that publishes what already serves the month adds no
row. ``segmentation.model_decisions`` is append-only too: every guard verdict and every
operator's approval, rejection or rollback, who, when and why (a decision repeating the
version's latest one for the month adds no row); a version's latest decision is its status,
and only published or approved versions score later months.
"""

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from seg_assets.lib.segmentation.model import SegmentationModel
from seg_assets.lib.segmentation.settings import SegmentationSettings
from seg_assets.lib.segmentation.training import TrainingResult
from seg_assets.lib.warehouse import ensure_schema, qualified_table

SCHEMA = "segmentation"

# Table -> column definitions. Versioned tables hold one row set per model version, monthly
# tables one row set per as-of month.
TABLES: dict[str, str] = {
    "model_registry": """
        model_version varchar, as_of_month date, algorithm varchar, parameters varchar,
        features varchar, feature_weights varchar, scaler varchar, data_fingerprint varchar,
        settings_fingerprint varchar, seed bigint, previous_version varchar,
        selection_reason varchar, metrics varchar, artifact varchar, created_at timestamp""",
    "model_candidates": """
        model_version varchar, candidate varchar, algorithm varchar, parameter integer,
        n_segments integer, inertia double, silhouette double, davies_bouldin double,
        smallest_share double, noise_share double, eligible boolean, rejection varchar,
        chosen boolean""",
    "model_stability": """
        model_version varchar, "check" varchar, feature varchar, value double""",
    "segment_definitions": """
        model_version varchar, segment_id integer, segment_name varchar, segment_kind varchar,
        status varchar, volume_share double, previous_centroid_distance double,
        customers bigint""",
    "model_assignments": """
        model_version varchar, customer_key varchar, segment_id integer, segment_name varchar,
        segment_kind varchar""",
    "segment_rules": """
        model_version varchar, rule_id integer, segment_id integer, conditions varchar,
        customers bigint, "precision" double, segment_recall double""",
    "customer_segments": """
        customer_key varchar, as_of_month date, model_version varchar, segment_id integer,
        segment_name varchar, segment_kind varchar, runner_up_segment_id integer,
        confidence_margin double, is_borderline boolean, imputed_features varchar,
        volume double""",
    "customer_segment_explanations": """
        customer_key varchar, as_of_month date, model_version varchar, rank integer,
        feature varchar, contribution double, share_of_margin double""",
    "excluded_customers": """
        customer_key varchar, as_of_month date, model_version varchar, feature varchar,
        value double, reason varchar""",
    "publications": """
        run_id varchar, as_of_month date, model_version varchar, mode varchar,
        published_at timestamp""",
    "model_decisions": """
        decided_at timestamp, model_version varchar, as_of_month date, decision varchar,
        decided_by varchar, reason varchar, serving_version varchar, impact_report varchar,
        run_id varchar""",
}
# Decisions after which a version must not score later months (until approved).
HELD_DECISIONS = ("pending_approval", "rejected")
VERSIONED = (
    "model_candidates",
    "model_stability",
    "segment_definitions",
    "model_assignments",
    "segment_rules",
)
MONTHLY = ("customer_segments", "customer_segment_explanations", "excluded_customers")


class UnknownModelVersionError(LookupError):
    """A model version asked for (rollback) is not in the registry."""


@dataclass(frozen=True)
class RegisteredModel:
    """A registry row: the version, the month it was trained on and the fitted model."""

    version: str
    as_of_month: date
    model: SegmentationModel


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the segmentation schema and every table that does not exist yet."""
    ensure_schema(con, SCHEMA)
    for table, columns in TABLES.items():
        con.execute(f"create table if not exists {qualified_table(SCHEMA, table)} ({columns})")


def _registered(row: tuple) -> RegisteredModel:
    version, month, artifact = row
    return RegisteredModel(version, month, SegmentationModel.from_json(artifact))


def registered_model(con: duckdb.DuckDBPyConnection, version: str) -> RegisteredModel:
    """The registered model ``version``; a clear error listing known versions if absent."""
    rows = con.execute(
        "select model_version, as_of_month, artifact from segmentation.model_registry"
        " where model_version = ?",
        [version],
    ).fetchall()
    if not rows:
        known = [
            v
            for (v,) in con.execute(
                "select model_version from segmentation.model_registry order by as_of_month"
            ).fetchall()
        ]
        raise UnknownModelVersionError(
            f"model version {version!r} is not in segmentation.model_registry; known: {known}"
        )
    return _registered(rows[0])


_STATUS = """
    select model_version, arg_max(decision, decided_at) as decision
    from segmentation.model_decisions group by model_version
"""


def latest_model_before(con: duckdb.DuckDBPyConnection, month: date) -> RegisteredModel | None:
    """The model trained on the latest month before ``month`` that may serve (neither pending
    approval nor rejected); None if there is none."""
    rows = con.execute(
        "select registry.model_version, registry.as_of_month, registry.artifact"
        " from segmentation.model_registry as registry"
        f" left join ({_STATUS}) as status on registry.model_version = status.model_version"
        " where registry.as_of_month < ? and coalesce(status.decision, '') not in (?, ?)"
        " order by registry.as_of_month desc, registry.created_at desc limit 1",
        [month, *HELD_DECISIONS],
    ).fetchall()
    return _registered(rows[0]) if rows else None


def published_version(con: duckdb.DuckDBPyConnection, month: date) -> str | None:
    """The model version whose assignments are published for ``month`` (None when none)."""
    [(version,)] = con.execute(
        "select any_value(model_version) from segmentation.customer_segments where as_of_month = ?",
        [month],
    ).fetchall()
    return version


def next_segment_id(con: duckdb.DuckDBPyConnection, month: date) -> int:
    """One above every segment id issued by models trained before ``month`` (at least 1)."""
    [(highest,)] = con.execute(
        "select max(definitions.segment_id) from segmentation.segment_definitions as definitions"
        " inner join segmentation.model_registry as registry"
        " on definitions.model_version = registry.model_version"
        " where registry.as_of_month < ?",
        [month],
    ).fetchall()
    return max(1, (highest or 0) + 1)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    view = f"_new_{table}"
    con.register(view, frame.to_arrow())
    try:
        columns = ", ".join(f'"{name}"' for name in frame.columns)
        con.execute(
            f"insert into {qualified_table(SCHEMA, table)} ({columns}) select * from {view}"
        )
    finally:
        con.unregister(view)


def _registry_row(
    result: TrainingResult,
    settings: SegmentationSettings,
    as_of_month: date,
    previous_version: str | None,
    extra_metrics: dict[str, object],
    created_at: datetime,
) -> pl.DataFrame:
    model = result.model
    chosen = result.selection.chosen
    return pl.DataFrame(
        {
            "model_version": [model.version],
            "as_of_month": [as_of_month],
            "algorithm": [chosen.algorithm],
            "parameters": [
                json.dumps(
                    {
                        "parameter": chosen.parameter,
                        "segments": len(model.segment_ids),
                        "merges": [asdict(merge) for merge in result.merges],
                    }
                )
            ],
            "features": [json.dumps([spec.model_dump() for spec in model.features])],
            "feature_weights": [
                json.dumps(dict(zip(model.feature_names, model.weights.tolist(), strict=True)))
            ],
            "scaler": [model.scaling],
            "data_fingerprint": [result.metrics["data_fingerprint"]],
            "settings_fingerprint": [settings.fingerprint],
            "seed": [settings.seed],
            "previous_version": [previous_version],
            "selection_reason": [result.selection.reason],
            "metrics": [json.dumps({**result.metrics, **extra_metrics}, default=float)],
            "artifact": [model.to_json()],
            "created_at": [created_at],
        }
    )


def _tagged(frame: pl.DataFrame, **columns: object) -> pl.DataFrame:
    return frame.select(*(pl.lit(value).alias(name) for name, value in columns.items()), pl.all())


def publish_model(
    con: duckdb.DuckDBPyConnection,
    result: TrainingResult,
    settings: SegmentationSettings,
    as_of_month: date,
    previous_version: str | None,
    extra_metrics: dict[str, object],
) -> None:
    """Replace a trained version's registry rows (call inside the month's transaction)."""
    version = result.model.version
    existing = con.execute(
        "select created_at from segmentation.model_registry where model_version = ?", [version]
    ).fetchall()
    created_at = existing[0][0] if existing else datetime.now()
    for table in ("model_registry", *VERSIONED):
        con.execute(
            f"delete from {qualified_table(SCHEMA, table)} where model_version = ?", [version]
        )
    _insert(
        con,
        "model_registry",
        _registry_row(result, settings, as_of_month, previous_version, extra_metrics, created_at),
    )
    candidates = result.selection.metrics().with_columns(
        pl.col("parameter").cast(pl.Int32), pl.col("n_segments").cast(pl.Int32)
    )
    _insert(con, "model_candidates", _tagged(candidates, model_version=version))
    _insert(con, "model_stability", _tagged(result.stability, model_version=version))
    _insert(con, "segment_definitions", _tagged(result.segments, model_version=version))
    assignments = result.scored.assignments.select(
        "customer_key", "segment_id", "segment_name", "segment_kind"
    )
    _insert(con, "model_assignments", _tagged(assignments, model_version=version))
    rules = result.rules.rules.rename({"segment": "segment_id"}).with_columns(
        pl.col("rule_id").cast(pl.Int32), pl.col("segment_id").cast(pl.Int32)
    )
    _insert(con, "segment_rules", _tagged(rules, model_version=version))


def clear_month(con: duckdb.DuckDBPyConnection, as_of_month: date) -> None:
    """Delete the month's rows from every monthly table (call inside a transaction)."""
    for table in MONTHLY:
        con.execute(
            f"delete from {qualified_table(SCHEMA, table)} where as_of_month = ?", [as_of_month]
        )


def publish_month(
    con: duckdb.DuckDBPyConnection,
    as_of_month: date,
    version: str,
    assignments: pl.DataFrame,
    explanations: pl.DataFrame,
    excluded: pl.DataFrame,
    mode: str,
    run_id: str,
) -> None:
    """Replace the month's assignments, explanations and exclusions; log the publication."""
    clear_month(con, as_of_month)
    tags = {"as_of_month": as_of_month, "model_version": version}
    _insert(con, "customer_segments", _keyed(assignments, tags))
    _insert(con, "customer_segment_explanations", _keyed(explanations, tags))
    _insert(con, "excluded_customers", _keyed(excluded, tags))
    # A rerun that publishes what already serves the month (same version, same mode) links to
    # that row rather than adding a second: the log records changes, Dagster records runs.
    [(serving,)] = con.execute(
        f"select arg_max((model_version, mode), published_at)"
        f" from {qualified_table(SCHEMA, 'publications')} where as_of_month = ?",
        [as_of_month],
    ).fetchall()
    if serving == (version, mode):
        return
    _insert(
        con,
        "publications",
        pl.DataFrame(
            {
                "run_id": [run_id],
                "as_of_month": [as_of_month],
                "model_version": [version],
                "mode": [mode],
                "published_at": [datetime.now()],
            }
        ),
    )


def _keyed(frame: pl.DataFrame, tags: dict[str, object]) -> pl.DataFrame:
    """``customer_key``, then the month and version, then the frame's other columns."""
    return _tagged(frame.drop("customer_key"), **tags).insert_column(
        0, frame.get_column("customer_key")
    )


@dataclass(frozen=True)
class Decision:
    """One row of ``segmentation.model_decisions``."""

    model_version: str
    as_of_month: date
    decision: str
    decided_by: str
    reason: str
    serving_version: str | None = None
    impact_report: str | None = None


def record_decision(con: duckdb.DuckDBPyConnection, decision: Decision, run_id: str) -> bool:
    """Append a decision (call inside the month's transaction) unless it repeats the version's
    latest decision for the month word for word, as a rerun of the same data and the same
    operator settings does; returns whether it was appended."""
    fields = [name for name in asdict(decision) if name not in ("model_version", "as_of_month")]
    latest = con.execute(
        f"select {', '.join(fields)} from {qualified_table(SCHEMA, 'model_decisions')}"
        " where model_version = ? and as_of_month = ? order by decided_at desc limit 1",
        [decision.model_version, decision.as_of_month],
    ).fetchall()
    if latest == [tuple(getattr(decision, name) for name in fields)]:
        return False
    row = {**asdict(decision), "decided_at": datetime.now(), "run_id": run_id}
    _insert(con, "model_decisions", pl.DataFrame([row]))
    return True


def model_status(con: duckdb.DuckDBPyConnection, version: str) -> str | None:
    """The version's latest decision (None when it has none: published before the guard)."""
    rows = con.execute(
        f"select decision from ({_STATUS}) where model_version = ?", [version]
    ).fetchall()
    return rows[0][0] if rows else None
