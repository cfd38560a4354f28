"""Turn every SQL model of one schema folder into a Dagster asset.

Key, group and description come from the file; upstream dependencies from the tables its SQL
reads. Partitioned models (``-- @partition_column``) share the monthly partitions and run a
backfill of many months as one run over the whole window.
"""

import warnings
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from seg_assets.defs.partitions import month_window, monthly_partitions
from seg_assets.defs.table_metadata import table_metadata
from seg_assets.lib.model_runner import run_model
from seg_assets.lib.pipeline_settings import load_quarantine_rules
from seg_assets.lib.project import PROJECT_ROOT, sql_dir
from seg_assets.lib.sql_models import SqlModel, discover_models


@cache
def all_models() -> tuple[SqlModel, ...]:
    """Every model under ``sql/``, upstream first."""
    return tuple(discover_models(sql_dir()))


def models_in_schema(schema: str) -> list[SqlModel]:
    """The models of one schema folder."""
    return [model for model in all_models() if model.schema == schema]


def model_asset_key(model: SqlModel) -> dg.AssetKey:
    """Asset key mirroring the table ``schema.name``."""
    return dg.AssetKey([model.schema, model.name])


# Extra metadata a model's asset adds after each build (a chart, headline figures), from the
# freshly written table.
ExtraMetadata = Callable[[duckdb.DuckDBPyConnection], Mapping[str, Any]]


def model_asset(
    model: SqlModel, extra_metadata: ExtraMetadata | None = None
) -> dg.AssetsDefinition:
    """The asset that builds ``model``'s table (and quarantine) in the warehouse."""
    partitioned = model.partition_column is not None
    with warnings.catch_warnings():
        # Single-run backfills are beta in Dagster 1.13, and they are what lets a full refresh
        # of many months run as one set-based SQL statement per model.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _model_asset(model, partitioned, extra_metadata)


def _model_asset(
    model: SqlModel, partitioned: bool, extra_metadata: ExtraMetadata | None
) -> dg.AssetsDefinition:
    @dg.asset(
        key=model_asset_key(model),
        group_name=model.schema,
        deps=[dg.AssetKey(list(upstream)) for upstream in model.upstream],
        kinds={"duckdb", "sql"},
        description=model.description,
        code_version=model.code_version,
        partitions_def=monthly_partitions if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        metadata={
            "sql_file": str(model.path.relative_to(PROJECT_ROOT)),
            "routes_to_quarantine": model.routes_to_quarantine,
        },
    )
    def sql_model(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        window = month_window(context) if partitioned else None
        with duckdb.get_connection() as con:
            result = run_model(con, model, context.run_id, load_quarantine_rules(), window)
            where, params = "", None
            if window is not None:
                where = window.predicate(model.partition_column)
                params = window.as_parameters()
            metadata = table_metadata(
                con, model.schema, model.name, where, params, dict(model.column_descriptions)
            )
            if extra_metadata is not None:
                metadata.update(extra_metadata(con))
        extra = {"rows_quarantined": result.rows_quarantined, "rows_in_table": result.rows_in_table}
        if window is not None:
            extra["months"] = f"{window.start} to {window.end} (exclusive)"
        return dg.MaterializeResult(metadata={**metadata, **extra})

    return sql_model


def model_assets(
    schema: str, extra_metadata: Mapping[str, ExtraMetadata] | None = None
) -> list[dg.AssetsDefinition]:
    """Assets for every model in ``sql/<schema>/``; ``extra_metadata`` by model name."""
    extras = extra_metadata or {}
    return [model_asset(model, extras.get(model.name)) for model in models_in_schema(schema)]
