"""The warehouse is two DuckDB files: the working file and, beside it, the curated store.

The working file holds what only the pipeline reads (raw, staging, quarantine, intermediate,
settings, mdm); the curated store holds the schemas the serving file is made of (marts, kpi,
segmentation, quality). The pipeline writes each served table once, straight into the store,
so publishing is a byte copy of the store (3 s at 10M order lines) instead of rewriting every
served table through DuckDB (45 s) or copying the whole warehouse (5 s, 2.6 times the bytes).

Every connection attaches the store and routes its schemas there through DuckDB's search path,
so SQL keeps naming tables ``marts.fct_order_lines`` and the models stay portable. A DuckDB
transaction writes one file: a step writing both files commits each on its own.
"""

import logging
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb

from seg_assets.lib.identifiers import quoted_name, sql_string
from seg_assets.lib.warehouse.locks import attach_database, open_database
from seg_assets.lib.warehouse.storage import remove_database_files, warehouse_storage_faults

CURATED_SCHEMAS = ("marts", "kpi", "segmentation", "quality")
CURATED_CATALOG = "seg_curated"
# Replaced tables leave free blocks that DuckDB reuses but never gives back (about a quarter of
# the store after a second full refresh); above this share the store is rewritten compactly.
MAX_FREE_SHARE = 0.3

_log = logging.getLogger(__name__)


def curated_store(warehouse: Path) -> Path:
    """The curated store beside the working file ``warehouse``."""
    return warehouse.with_name(f"{warehouse.stem}.curated.duckdb")


def warehouse_files(warehouse: Path) -> tuple[Path, Path]:
    """Both files of the warehouse: the working file and its curated store."""
    return warehouse, curated_store(warehouse)


def _working_catalog(con: duckdb.DuckDBPyConnection) -> tuple[str, Path | None]:
    """The connection's default catalog and its file (None in memory)."""
    [(catalog, path)] = con.execute(
        "select database_name, path from duckdb_databases()"
        " where database_name = current_database()"
    ).fetchall()
    return catalog, Path(path) if path else None


def attached_store(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The curated store's file attached to ``con`` (None when none is)."""
    found = con.execute(
        "select path from duckdb_databases() where database_name = ?", [CURATED_CATALOG]
    ).fetchall()
    return Path(found[0][0]) if found else None


def _curated_schemas_in(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The curated schemas ``catalog`` holds, in name order."""
    return [
        schema
        for (schema,) in con.execute(
            "select schema_name from duckdb_schemas() where database_name = ?"
            " and list_contains(?, schema_name) order by schema_name",
            [catalog, list(CURATED_SCHEMAS)],
        ).fetchall()
    ]


def _move_legacy_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Move curated schemas a single-file warehouse (before the store existed) still holds in
    its working file into the store: the model registry and history are kept, not rebuilt."""
    legacy = con.execute(
        "select schema_name, table_name from duckdb_tables()"
        " where database_name = ? and list_contains(?, schema_name)",
        [catalog, list(CURATED_SCHEMAS)],
    ).fetchall()
    if legacy:
        _log.warning("moving %d tables of %s into the curated store", len(legacy), catalog)
    for schema, table in legacy:
        target, source = (
            quoted_name(CURATED_CATALOG, schema, table),
            quoted_name(catalog, schema, table),
        )
        con.execute(f"create or replace table {target} as from {source}")
    # Dropped only once the store holds every table: a crash in between moves them again.
    for schema in _curated_schemas_in(con, catalog):
        con.execute(f"drop schema {quoted_name(catalog, schema)} cascade")


def attach_curated_store(con: duckdb.DuckDBPyConnection, read_only: bool = False) -> None:
    """Attach the curated store beside ``con``'s file and route the curated schemas to it.

    Read-write, the store and its schemas are created when missing (and a single-file
    warehouse's curated tables moved in). Read-only, a missing store is left alone: the
    connection then reads whatever the working file holds. In memory, nothing is attached.
    """
    catalog, path = _working_catalog(con)
    if path is None or attached_store(con) is not None:
        return
    store = curated_store(path)
    if read_only and not store.exists():
        return
    attach_database(con, store, CURATED_CATALOG, read_only=read_only)
    if not read_only:
        for schema in CURATED_SCHEMAS:
            con.execute(f"create schema if not exists {CURATED_CATALOG}.{schema}")
        _move_legacy_tables(con, catalog)
    present = _curated_schemas_in(con, CURATED_CATALOG)
    route = [f"{quoted_name(catalog)}.main", *(f"{CURATED_CATALOG}.{s}" for s in present)]
    con.execute(f"set search_path = {sql_string(','.join(route))}")


def free_share(con: duckdb.DuckDBPyConnection) -> float:
    """Share of the attached store's blocks that are free (0 for an empty store)."""
    [(free, total)] = con.execute(
        "select free_blocks, total_blocks from pragma_database_size() where database_name = ?",
        [CURATED_CATALOG],
    ).fetchall()
    return free / total if total else 0.0


def compact_curated_store(con: duckdb.DuckDBPyConnection) -> Path:
    """Rewrite the attached store without free blocks and attach the rewritten file.

    The copy is built beside the store and renamed over it: a crash leaves the store whole.
    Returns the store's path.
    """
    store = attached_store(con)
    if store is None:
        raise ValueError("no curated store is attached to compact")
    compacted = store.with_name(f".{store.name}.compacting")
    remove_database_files(compacted)
    attach_database(con, compacted, "seg_compacting")
    try:
        try:
            con.execute(f"copy from database {CURATED_CATALOG} to seg_compacting")
        finally:
            con.execute("detach seg_compacting")
    except BaseException:
        # A copy cut short by a full disk would keep holding the space the next run needs.
        remove_database_files(compacted)
        raise
    # The search path names the store: reset it, or no statement binds until it is back.
    con.execute("reset search_path")
    con.execute(f"detach {CURATED_CATALOG}")
    os.replace(compacted, store)
    attach_curated_store(con)
    return store


@contextmanager
def connect_warehouse(
    warehouse: Path, read_only: bool = False, config: Mapping[str, object] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to ``warehouse`` with its curated store attached, closed on the way out
    (``WarehouseLockedError`` at once when another process holds either file,
    ``WarehouseStorageError`` when their folder is full, read-only or not writable)."""
    with (
        warehouse_storage_faults(warehouse),
        closing(open_database(warehouse, read_only=read_only, config=config)) as con,
    ):
        attach_curated_store(con, read_only=read_only)
        yield con


def copy_warehouse(source: Path, target: Path) -> None:
    """Copy a closed warehouse's files (the working file and its store, where present)."""
    for original, copy in zip(warehouse_files(source), warehouse_files(target), strict=True):
        if original.exists():
            shutil.copyfile(original, copy)
        else:
            copy.unlink(missing_ok=True)
