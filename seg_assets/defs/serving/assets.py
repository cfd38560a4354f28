"""The serving snapshot: the warehouse BI tools read, published only after a clean run."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.resources import ServingFile
from seg_assets.lib.serving import publish_snapshot
from seg_assets.lib.table_preview import markdown_table

SERVING_KEY = dg.AssetKey(["serving", "published_warehouse"])


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Publish asset downstream of every other asset, so any failed step or blocking check
    leaves the previous snapshot in place."""

    @dg.asset(
        key=SERVING_KEY,
        deps=upstream,
        group_name="serving",
        kinds={"duckdb"},
        description=(
            "Copy of the working warehouse that BI tools read (SEG_ASSETS_SERVING). It runs"
            " after every other asset of the run and their blocking checks succeeded, and"
            " replaces the previous snapshot with an atomic rename: readers see the old or the"
            " new warehouse, never a half-written one."
        ),
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, serving: ServingFile
    ) -> dg.MaterializeResult:
        # Everything committed reaches the main file, so the copy needs no write-ahead log.
        with duckdb.get_connection() as con:
            con.execute("checkpoint")
        snapshot = publish_snapshot(Path(duckdb.database), Path(serving.path))
        context.log.info(f"published {snapshot.path} ({snapshot.bytes:,} bytes)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(snapshot.path)),
                "bytes": snapshot.bytes,
                "published_at": snapshot.published_at.isoformat(timespec="seconds"),
                "tables": dg.MetadataValue.md(
                    markdown_table(["schema", "tables"], list(snapshot.tables_by_schema.items()))
                ),
            }
        )

    return published_warehouse
