"""Settings assets: each section of ``config/marts.yaml`` published as ``settings.<section>``.

SQL models read thresholds from these tables, so their lineage shows which rules they use and
a changed rule (a new code version of its settings asset) marks them stale.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.table_metadata import table_metadata
from seg_assets.lib.mart_settings import (
    SETTINGS_SCHEMA,
    SettingsTable,
    default_mart_settings_path,
    load_mart_settings,
)
from seg_assets.lib.warehouse import replace_tables

SETTINGS_GROUP = "settings"


def settings_asset(table: SettingsTable) -> dg.AssetsDefinition:
    """The asset that publishes one section as ``settings.<section>``."""

    @dg.asset(
        key=dg.AssetKey([SETTINGS_SCHEMA, table.name]),
        group_name=SETTINGS_GROUP,
        kinds={"duckdb", "yaml"},
        code_version=table.fingerprint,
        description=(
            f"The `{table.name}` section of `config/marts.yaml` as a table"
            f" ({', '.join(table.rows.columns)}), read by the SQL models that apply it."
        ),
        metadata={"settings_file": str(default_mart_settings_path())},
    )
    def settings_table(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            replace_tables(con, SETTINGS_SCHEMA, {table.name: table.rows})
            metadata = table_metadata(con, SETTINGS_SCHEMA, table.name)
        return dg.MaterializeResult(metadata=metadata)

    return settings_table


defs = dg.Definitions(assets=[settings_asset(table) for table in load_mart_settings().values()])
