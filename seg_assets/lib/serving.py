"""Publish the working warehouse as the serving file that BI tools read.

DuckDB lets one process write a file and locks out every reader meanwhile, so BI tools never
open the working warehouse. After a run whose assets and blocking checks all succeeded, the
working file is checkpointed, copied beside the serving file, opened once to prove it is
readable, and renamed over it. The rename is atomic: a reader sees the previous complete
snapshot or the new one, never a half-written file, and a failed run publishes nothing.
"""

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class PublishedSnapshot:
    """What was published: the file, its size, its tables per schema and when."""

    path: Path
    bytes: int
    tables_by_schema: dict[str, int]
    published_at: datetime


def serving_beside(warehouse: Path) -> Path:
    """Serving file named after ``warehouse`` in its folder (for runs on scratch warehouses)."""
    return warehouse.with_name(f"{warehouse.stem}.serving.duckdb")


def _tables_by_schema(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select schema_name, count(*) from duckdb_tables()"
            " group by schema_name order by schema_name"
        ).fetchall()
    return {schema: int(count) for schema, count in rows}


def publish_snapshot(warehouse: Path, serving: Path) -> PublishedSnapshot:
    """Replace ``serving`` with a copy of the (checkpointed, closed) ``warehouse`` file.

    Parameters
    ----------
    warehouse
        The working DuckDB file; no connection to it may be open.
    serving
        The file BI tools read; created with its folder if absent.
    """
    serving.parent.mkdir(parents=True, exist_ok=True)
    staged = serving.with_name(f".{serving.name}.publishing")
    staged.unlink(missing_ok=True)
    try:
        shutil.copyfile(warehouse, staged)
        with staged.open("rb") as handle:
            os.fsync(handle.fileno())
        tables = _tables_by_schema(staged)
        os.replace(staged, serving)
    finally:
        staged.unlink(missing_ok=True)
    return PublishedSnapshot(
        path=serving,
        bytes=serving.stat().st_size,
        tables_by_schema=tables,
        published_at=datetime.now(UTC),
    )
