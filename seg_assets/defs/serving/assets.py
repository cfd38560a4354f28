"""The serving file: what BI tools read, published only after a clean run."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.resources import ServingFile
from seg_assets.lib.serving import publish_serving
from seg_assets.lib.table_preview import markdown_table

SERVING_KEY = dg.AssetKey(["serving", "published_warehouse"])


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Publish asset downstream of every other asset, so any failed step or blocking check
    leaves the previous publication in place."""

    @dg.asset(
        key=SERVING_KEY,
        deps=upstream,
        group_name="serving",
        kinds={"duckdb", "parquet"},
        description=(
            "The curated file BI tools read (SEG_ASSETS_SERVING): the marts, kpi, segmentation"
            " and quality schemas, the golden customers of mdm, and the documented bi views with"
            " bi.publication; never raw, staging, quarantine or intermediate data. A byte copy of"
            " the warehouse's curated store (compacted first when over 30 % of it is free"
            " blocks) completed beside the file from the run's connection, made read-only and"
            " renamed over it once every"
            " other asset of the run and its blocking checks succeeded: readers see the old or"
            " the new publication, never a half-written one. Every bi view is also exported as"
            " Parquet beside it (for DuckDB 1.x and non-DuckDB tools)."
        ),
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, serving: ServingFile
    ) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            snapshot = publish_serving(con, Path(serving.path), run_id=context.run_id)
        publication = snapshot.publication
        context.log.info(
            f"published {snapshot.path} ({snapshot.bytes:,} bytes),"
            f" publication {publication.publication_id}"
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(snapshot.path)),
                "bytes": snapshot.bytes,
                "publication_id": publication.publication_id,
                "published_at": snapshot.published_at.isoformat(timespec="seconds"),
                "model_version": publication.model_version or "",
                "parquet": dg.MetadataValue.path(str(snapshot.parquet or "")),
                "store_free_share": round(snapshot.store_free_share, 4),
                "store_compacted": snapshot.compacted,
                "tables": dg.MetadataValue.md(
                    markdown_table(["schema", "tables"], list(snapshot.tables_by_schema.items()))
                ),
                "bi views": dg.MetadataValue.md(
                    markdown_table(["view", "rows"], list(snapshot.view_rows.items()))
                ),
            }
        )

    return published_warehouse
