"""Staging assets from ``sql/staging`` and the row-conservation check of each."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.row_conservation import rows_conserved_result
from seg_assets.defs.sql_model_assets import model_asset_key, model_assets, models_in_schema
from seg_assets.lib.model_runner import QUARANTINE_SCHEMA
from seg_assets.lib.raw_loading import RAW_SCHEMA
from seg_assets.lib.sql_models import SqlModel
from seg_assets.lib.warehouse import row_count, table_exists

STAGING_PREFIX = "stg_"


def _rows_conserved_check(model: SqlModel) -> dg.AssetChecksDefinition:
    source = model.name.removeprefix(STAGING_PREFIX)

    @dg.asset_check(
        asset=model_asset_key(model),
        name="rows_conserved",
        blocking=True,
        description=(
            f"Every row of raw.{source} is either in {model.table} or in"
            f" quarantine.{model.name}: nothing is silently dropped or duplicated."
        ),
    )
    def rows_conserved(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            rows_in = row_count(con, f"{RAW_SCHEMA}.{source}")
            kept = row_count(con, model.table)
            quarantined = (
                row_count(con, f"{QUARANTINE_SCHEMA}.{model.name}")
                if table_exists(con, QUARANTINE_SCHEMA, model.name)
                else 0
            )
        return rows_conserved_result(rows_in, kept, quarantined)

    return rows_conserved


_staging_models = models_in_schema("staging")

defs = dg.Definitions(
    assets=model_assets("staging"),
    asset_checks=[
        _rows_conserved_check(model)
        for model in _staging_models
        if (RAW_SCHEMA, model.name.removeprefix(STAGING_PREFIX)) in model.upstream
    ],
)
