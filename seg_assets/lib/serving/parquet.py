"""Parquet export of every ``bi`` view, for tools that cannot open a DuckDB 2.0 file.

``<serving stem>_parquet`` is a symbolic link to the folder of one publication
(``<serving stem>_parquet.<publication id>``): one sub-folder per view, Hive-partitioned by
the view's month column where it has one (``order_month=2024-01-01/data_0.parquet``), and a
``publication.json`` naming the publication and the rows of each view. A new export is written
in full beside the current one and the link is replaced atomically; the previous folder is
kept for readers still listing it until ``SUPERSEDED_KEPT_FOR`` after it was superseded.
"""

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from seg_assets.lib.identifiers import sql_string
from seg_assets.lib.serving.views import BI_SCHEMA, BiView

PUBLICATION_FILE = "publication.json"
# How long a superseded export stays for readers that resolved the link before the swap: far
# longer than a read of one export, however busy the machine (the folders are small).
SUPERSEDED_KEPT_FOR = timedelta(minutes=10)


def parquet_beside(serving: Path) -> Path:
    """The Parquet export's path (a symbolic link) beside ``serving``."""
    return serving.with_name(f"{serving.stem}_parquet")


@dataclass
class ParquetExport:
    """A finished export folder, not yet visible under the link until ``swap_in``."""

    link: Path
    folder: Path
    swapped: bool = False

    def swap_in(self) -> None:
        """Point the link at this export atomically and drop exports superseded longer ago than
        ``SUPERSEDED_KEPT_FOR``."""
        if self.link.exists() and not self.link.is_symlink():
            shutil.rmtree(self.link)  # a plain folder from a manual copy: replaced once
        pending = self.link.with_name(f".{self.link.name}.link")
        pending.unlink(missing_ok=True)
        pending.symlink_to(self.folder.name)
        os.replace(pending, self.link)
        self.swapped = True
        # Publications are serialized (one process writes the warehouse), so a half-built
        # folder other than ours was left by a killed run and is no longer written.
        for stale in self.link.parent.glob(f".{self.link.name}.*.building"):
            shutil.rmtree(stale, ignore_errors=True)
        # An export is superseded when the next one was finished (its folder's time); a reader
        # that resolved the link just before keeps its folder for SUPERSEDED_KEPT_FOR after.
        exports = sorted(
            (path.stat().st_mtime, path)
            for path in self.link.parent.glob(f"{self.link.name}.*")
            if path.is_dir() and path != self.folder
        )
        finished = [when for when, _ in exports] + [self.folder.stat().st_mtime]
        horizon = time.time() - SUPERSEDED_KEPT_FOR.total_seconds()
        for (_, old), superseded in zip(exports, finished[1:], strict=True):
            if superseded < horizon:
                shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove the export unless it was swapped in (the publication failed)."""
        if not self.swapped:
            shutil.rmtree(self.folder, ignore_errors=True)


def export_bi_views(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    views: list[BiView],
    link: Path,
    publication_id: str,
) -> ParquetExport:
    """Write every ``bi`` view of ``catalog`` as Parquet into a new folder beside ``link``.

    Parameters
    ----------
    con
        A connection on which ``catalog`` (the staged serving file) is attached.
    catalog
        The database holding the ``bi`` views.
    views
        The views to export (their month column partitions them).
    link
        The export's public path (``parquet_beside``); not touched until ``swap_in``.
    publication_id
        Names the folder and is written to ``publication.json``.

    Returns
    -------
    ParquetExport
        The finished folder; call ``swap_in`` once the serving file is published.
    """
    folder = link.with_name(f"{link.name}.{publication_id}")
    building = link.with_name(f".{link.name}.{publication_id}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        rows = {}
        for view in views:
            target = building / view.name
            options = "format parquet, compression zstd"
            if view.month_column:
                options += f", partition_by ({view.month_column})"
            else:
                target.mkdir()
                target = target / "data_0.parquet"
            con.execute(
                f"copy (select * from {catalog}.{BI_SCHEMA}.{view.name})"
                f" to {sql_string(str(target))} ({options})"
            )
            [(count,)] = con.execute(
                f"select row_count from {catalog}.{BI_SCHEMA}.publication_contents"
                " where view_name = ?",
                [view.name],
            ).fetchall()
            rows[view.name] = {"version": view.version, "rows": int(count)}
        [publication] = con.execute(f"select * from {catalog}.{BI_SCHEMA}.publication").fetchall()
        names = [d[0] for d in con.description or []]
        (building / PUBLICATION_FILE).write_text(
            json.dumps({**dict(zip(names, publication, strict=True)), "views": rows}, default=str)
        )
        os.replace(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return ParquetExport(link=link, folder=folder)
