"""Publish the curated serving file BI tools read: built beside it, then renamed over it.

DuckDB lets one process write a file and locks out every reader meanwhile, so BI tools never
open the working warehouse. After a run whose assets and blocking checks all succeeded, the
run's own connection checkpoints the curated store (the warehouse's served schemas, see
``seg_assets.lib.warehouse.curated_store``) and copies its bytes beside the serving file; it
attaches that staged copy, adds the served master-data tables, the documented ``bi`` views, the
column comments and the publication row, and closes it; the file is then made read-only and
renamed over the serving file. The rename is atomic: a reader sees the previous complete
publication or the new one, never a half-written file, and a failed run publishes nothing. A
full, read-only or forbidden folder fails the publication with ``WarehouseStorageError`` naming
it, the staged copy removed.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from seg_assets.lib.identifiers import quoted_name, sql_string
from seg_assets.lib.serving.parquet import export_bi_views, parquet_beside
from seg_assets.lib.serving.views import (
    BI_SCHEMA,
    META_SCHEMA,
    PUBLICATION_COLUMN,
    PUBLICATION_VIEWS,
    BiView,
    load_bi_views,
    model_column_docs,
    model_descriptions,
    view_column_docs,
)
from seg_assets.lib.warehouse import (
    CURATED_CATALOG,
    CURATED_SCHEMAS,
    MAX_FREE_SHARE,
    attached_store,
    compact_curated_store,
    free_share,
    table_exists,
)
from seg_assets.lib.warehouse.storage import SERVING_SETTING, WAREHOUSE_SETTING, storage_fault

# What the serving file holds, schema by schema (None: every table of the schema, so a new
# kpi or mart table is served without a change here): the whole curated store, and four master
# data tables. BI reads the marts, the kpi layer and the segments through the bi views; the
# product's own readers of the serving file need the rest: the drift sensor
# (segmentation.drift_history), the model CLI (segmentation registry, decisions, segments,
# publications), the stale-keys sensor (partitioned marts facts and mdm.dim_customer_golden)
# and the model guard's context (mdm golden customers and hierarchy). raw, staging,
# quarantine, intermediate, settings and the rest of mdm are working data: never served.
SERVED_MASTER_DATA = (
    "dim_customer_golden",
    "customer_hierarchy",
    "customer_hierarchy_bridge",
    "crosswalk",
)
SERVED_SCHEMAS: dict[str, tuple[str, ...] | None] = {
    **dict.fromkeys(CURATED_SCHEMAS),
    "mdm": SERVED_MASTER_DATA,
}
NEVER_SERVED = frozenset({"raw", "staging", "quarantine", "intermediate", "settings"})
READ_ONLY_MODE = 0o444
_STAGE = "serving_staged"


@dataclass(frozen=True)
class Publication:
    """The row of ``bi.publication``: which run published what, and when."""

    publication_id: str
    run_id: str
    published_at: datetime
    model_version: str | None
    segmented_through: date | None
    model_versions: str | None


@dataclass(frozen=True)
class PublishedSnapshot:
    """What was published: the file, its size, its tables per schema, the publication, the
    Parquet export folder (None when not exported), the share of free blocks the curated store
    had and whether it was compacted first."""

    path: Path
    bytes: int
    tables_by_schema: dict[str, int]
    published_at: datetime
    publication: Publication
    view_rows: dict[str, int]
    store_free_share: float
    compacted: bool
    parquet: Path | None = None


def serving_beside(warehouse: Path) -> Path:
    """Serving file named after ``warehouse`` in its folder (for runs on scratch warehouses)."""
    return warehouse.with_name(f"{warehouse.stem}.serving.duckdb")


def staged_path(serving: Path) -> Path:
    """The file a publication is built in, beside ``serving`` (hidden, same file system)."""
    return serving.with_name(f".{serving.name}.publishing")


def _publication(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> Publication:
    """The publication row, with the model versions segmentation.publications serves."""
    versions: tuple = (None, None, None)
    # Called before the staged file is attached: it cannot shadow the warehouse's table.
    if table_exists(con, "segmentation", "publications"):
        # The newest publication of each month serves it (a rollback publishes again).
        versions = con.execute(
            """
            with serving as (
                select as_of_month, arg_max(model_version, published_at) as model_version
                from segmentation.publications
                group by as_of_month
            )
            select
                arg_max(model_version, as_of_month),
                max(as_of_month),
                string_agg(distinct model_version, ', ' order by model_version),
            from serving
            """
        ).fetchall()[0]
    return Publication(str(uuid.uuid4()), run_id, now, *versions)


@contextmanager
def _attached(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[str]:
    """``path`` attached as a new database to ``con``, detached on the way out."""
    con.execute(f"attach {sql_string(str(path))} as {_STAGE}")
    try:
        yield _STAGE
    finally:
        con.execute(f"detach {_STAGE}")


def _comment(con: duckdb.DuckDBPyConnection, kind: str, target: str, text: str | None) -> None:
    if text:
        con.execute(f"comment on {kind} {target} is {sql_string(' '.join(text.split()))}")


def _stage_curated_store(
    con: duckdb.DuckDBPyConnection, staged: Path, max_free_share: float
) -> tuple[float, bool]:
    """Copy the curated store's bytes to ``staged``, everything committed checkpointed into it
    first (no other writer exists: the run holds the warehouse's lock), and compacted first when
    more than ``max_free_share`` of it is free. Returns the free share and whether it was."""
    path = attached_store(con)
    if path is None:
        raise ValueError(
            "publish_serving needs the warehouse's curated store attached: open the warehouse"
            " with seg_assets.lib.warehouse.connect_warehouse (or the duckdb resource)"
        )
    con.execute(f"checkpoint {CURATED_CATALOG}")
    share = free_share(con)
    compacted = share > max_free_share
    if compacted:
        compact_curated_store(con)
    shutil.copyfile(path, staged)
    return share, compacted


def _copy_master_data(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Copy the served master-data tables of the working file into the staged file."""
    con.execute(f"create schema {_STAGE}.mdm")
    for table in SERVED_MASTER_DATA:
        if table_exists(con, "mdm", table):
            source = quoted_name(catalog, "mdm", table)
            con.execute(f"create table {_STAGE}.mdm.{quoted_name(table)} as from {source}")


def _document_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Comment every staged table and column from its model's docs."""
    descriptions = model_descriptions()
    docs = model_column_docs()
    columns = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns()"
        " where database_name = ? order by all",
        [_STAGE],
    ).fetchall()
    for schema, table in sorted({(schema, table) for schema, table, _ in columns}):
        _comment(
            con,
            "table",
            f"{_STAGE}.{quoted_name(schema, table)}",
            descriptions.get((schema, table)),
        )
    for schema, table, column in columns:
        target = f"{_STAGE}.{quoted_name(schema, table, column)}"
        _comment(con, "column", target, docs.get((schema, table), {}).get(column))


def _write_publication(con: duckdb.DuckDBPyConnection, publication: Publication) -> None:
    con.execute(f"create schema {_STAGE}.{META_SCHEMA}")
    con.execute(
        f"create table {_STAGE}.{META_SCHEMA}.publication ("
        f" {PUBLICATION_COLUMN} varchar not null, run_id varchar not null,"
        " published_at timestamp not null, model_version varchar, segmented_through date,"
        " model_versions varchar)"
    )
    con.execute(
        f"insert into {_STAGE}.{META_SCHEMA}.publication values (?, ?, ?, ?, ?, ?)",
        [
            publication.publication_id,
            publication.run_id,
            publication.published_at.astimezone(UTC).replace(tzinfo=None),
            publication.model_version,
            publication.segmented_through,
            publication.model_versions,
        ],
    )
    con.execute(
        f"create table {_STAGE}.{META_SCHEMA}.publication_contents ("
        f" {PUBLICATION_COLUMN} varchar not null, view_name varchar not null,"
        " view_version integer not null, row_count bigint not null)"
    )


def _create_views(
    con: duckdb.DuckDBPyConnection, views: list[BiView], publication: Publication
) -> dict[str, int]:
    """Create the bi views inside the staged file, comment them and count their rows."""
    docs = model_column_docs()
    con.execute(f"create schema {_STAGE}.{BI_SCHEMA}")
    [(catalog, schema, search_path)] = con.execute(
        "select current_database(), current_schema(), current_setting('search_path')"
    ).fetchall()
    # Views keep their SQL text; created from inside the staged file, their names bind to
    # its own tables, as they will when a client opens the published file alone.
    con.execute(f"use {_STAGE}")
    try:
        for name, (description, columns) in PUBLICATION_VIEWS.items():
            column_list = ", ".join(column for column, _ in columns)
            con.execute(
                f"create view {BI_SCHEMA}.{name} as select {column_list} from {META_SCHEMA}.{name}"
            )
            _comment(con, "view", f"{BI_SCHEMA}.{name}", description)
            for column, text in columns:
                _comment(con, "column", f"{BI_SCHEMA}.{name}.{column}", text)
        view_rows = {}
        for view in views:
            con.execute(f"create view {BI_SCHEMA}.{view.name} as {view.select_sql()}")
            _comment(con, "view", f"{BI_SCHEMA}.{view.name}", view.description)
            for column, text in view_column_docs(view, docs):
                _comment(con, "column", f"{BI_SCHEMA}.{view.name}.{column}", text)
            [(rows,)] = con.execute(f"select count(*) from {view.source}").fetchall()
            view_rows[view.name] = int(rows)
            con.execute(
                f"insert into {META_SCHEMA}.publication_contents values (?, ?, ?, ?)",
                [publication.publication_id, view.name, view.version, rows],
            )
    finally:
        con.execute(f"use {quoted_name(catalog, schema)}")
        # `use` replaced the search path that routes the curated schemas to their store.
        con.execute(f"set search_path = {sql_string(search_path)}")
    return view_rows


def _tables_by_schema(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select schema_name, count(*) from duckdb_tables()"
            " group by schema_name order by schema_name"
        ).fetchall()
    return {schema: int(count) for schema, count in rows}


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_staged(staged: Path) -> None:
    for leftover in (staged, staged.with_name(f"{staged.name}.wal")):
        if leftover.exists():
            leftover.chmod(0o644)
            leftover.unlink()


def _written_folders(con: duckdb.DuckDBPyConnection, serving: Path) -> dict[Path, str]:
    """The folders a publication writes (the serving file's, and the warehouse's where the
    curated store is checkpointed and compacted), each with the setting that moves it."""
    store = attached_store(con)
    folders = {serving.parent: SERVING_SETTING}
    if store is not None:
        shared = store.parent == serving.parent
        folders[store.parent] = (
            f"{SERVING_SETTING} or {WAREHOUSE_SETTING}" if shared else WAREHOUSE_SETTING
        )
    return folders


def _left_behind(serving: Path, replaced: bool) -> str:
    """What a publication that failed left in place, for the error."""
    if replaced:
        return (
            f"The serving file {serving} holds the new publication, but its Parquet export"
            f" {parquet_beside(serving)} may still be the previous one."
        )
    return (
        f"The serving file {serving} is unchanged (readers keep the previous publication) and"
        " the staged copy was removed."
    )


def publish_serving(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    run_id: str,
    views: list[BiView] | None = None,
    parquet: bool = True,
    now: datetime | None = None,
    max_free_share: float = MAX_FREE_SHARE,
) -> PublishedSnapshot:
    """Replace ``serving`` with a curated, read-only copy of the warehouse ``con`` writes.

    Parameters
    ----------
    con
        A connection to the working warehouse (the run's own: no second process opens it).
    serving
        The file BI tools read; created with its folder if absent.
    run_id
        The run that publishes (recorded in ``bi.publication``).
    views
        The ``bi`` views (config/serving.yaml by default).
    parquet
        Also export every ``bi`` view as Parquet beside the file (``parquet_beside``).
    now
        Publication time (the current time by default).
    max_free_share
        Compact the curated store first when more of its blocks than this share are free (the
        serving file is a copy of it, free blocks included).

    Returns
    -------
    PublishedSnapshot
        The published file, its size, tables, publication row and view row counts.
    """
    views = load_bi_views() if views is None else views
    staged = staged_path(serving)
    folders = _written_folders(con, serving)
    exported = None
    replaced = False
    try:
        serving.parent.mkdir(parents=True, exist_ok=True)
        _remove_staged(staged)
        [(catalog,)] = con.execute("select current_database()").fetchall()
        publication = _publication(con, run_id, now or datetime.now(UTC))
        share, compacted = _stage_curated_store(con, staged, max_free_share)
        with _attached(con, staged):
            _copy_master_data(con, catalog)
            _document_tables(con)
            _write_publication(con, publication)
            view_rows = _create_views(con, views, publication)
            if parquet:
                exported = export_bi_views(
                    con, _STAGE, views, parquet_beside(serving), publication.publication_id
                )
            con.execute(f"checkpoint {_STAGE}")
        # Opened alone and read-only, as a client will: proves the file and its views bind.
        tables = _tables_by_schema(staged)
        _fsync(staged)
        staged.chmod(READ_ONLY_MODE)
        os.replace(staged, serving)
        replaced = True
        _fsync(serving.parent)
        if exported is not None:
            exported.swap_in()
    except Exception as error:
        fault = storage_fault(error, folders, staged, _left_behind(serving, replaced))
        if fault is None:
            raise
        raise fault from error
    finally:
        _remove_staged(staged)
        if exported is not None:
            exported.discard()
    return PublishedSnapshot(
        path=serving,
        bytes=serving.stat().st_size,
        tables_by_schema=tables,
        published_at=publication.published_at,
        publication=publication,
        view_rows=view_rows,
        store_free_share=share,
        compacted=compacted,
        parquet=parquet_beside(serving) if exported is not None else None,
    )
