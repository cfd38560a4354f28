"""Warehouse I/O: its two files (working file and curated store), safe table writes and clear
errors when their folder is full, read-only or not writable."""

from seg_assets.lib.warehouse.curated_store import (
    CURATED_CATALOG,
    CURATED_SCHEMAS,
    MAX_FREE_SHARE,
    attach_curated_store,
    attached_store,
    compact_curated_store,
    connect_warehouse,
    copy_warehouse,
    curated_store,
    free_share,
    warehouse_files,
)
from seg_assets.lib.warehouse.locks import WarehouseLockedError, open_database
from seg_assets.lib.warehouse.storage import (
    WarehouseStorageError,
    storage_fault,
    storage_faults_explained,
    warehouse_storage_faults,
)
from seg_assets.lib.warehouse.tables import (
    ensure_schema,
    qualified_table,
    read_table,
    replace_tables,
    row_count,
    table_columns,
    table_exists,
    transaction,
)

__all__ = [
    "CURATED_CATALOG",
    "CURATED_SCHEMAS",
    "MAX_FREE_SHARE",
    "WarehouseLockedError",
    "WarehouseStorageError",
    "attach_curated_store",
    "attached_store",
    "compact_curated_store",
    "connect_warehouse",
    "copy_warehouse",
    "curated_store",
    "ensure_schema",
    "free_share",
    "open_database",
    "qualified_table",
    "read_table",
    "replace_tables",
    "row_count",
    "storage_fault",
    "storage_faults_explained",
    "table_columns",
    "table_exists",
    "transaction",
    "warehouse_files",
    "warehouse_storage_faults",
]
