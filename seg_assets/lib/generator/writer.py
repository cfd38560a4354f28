"""Write landing files and ground truth into staging folders, then move them into place.

Files are appended batch by batch (CSV text, Parquet row groups) so memory stays bounded; the
final folders only change once every file is complete.
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any, Self

import polars as pl
import pyarrow.parquet as pq

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.source_contracts import SourceContract

_DECIMAL = re.compile(r"^DECIMAL\((\d+),(\d+)\)$")
_SIMPLE_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DATE": pl.Date(),
    "TIMESTAMP": pl.Datetime("us"),
    "BOOLEAN": pl.Boolean(),
    "INTEGER": pl.Int32(),
    "BIGINT": pl.Int64(),
    "DOUBLE": pl.Float64(),
}
MANIFEST_FILE = "manifest.json"


def polars_type(column_type: str) -> pl.DataType:
    """Return the polars type written for a DuckDB column type of the contract."""
    decimal = _DECIMAL.match(column_type)
    if decimal:
        return pl.Decimal(int(decimal.group(1)), int(decimal.group(2)))
    return _SIMPLE_TYPES[column_type]


def conform(frame: pl.DataFrame, contract: SourceContract) -> pl.DataFrame:
    """Select the contract's columns in order and give them their declared types.

    Integer values in a ``DECIMAL(p,s)`` column are taken as units of ``10**-s`` (cents).
    Text in a typed CSV column is kept as text: that is how planted faults reach the file.

    Parameters
    ----------
    frame
        Generated rows with exactly the contract's columns, in any order.
    contract
        The landing-file contract from ``config/sources.yaml``.
    """
    missing = [c for c in contract.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in contract.column_names]
    if missing or extra:
        raise SourceContractError(
            f"generator: frame for {contract.name} does not match config/sources.yaml"
            f" (missing {missing}, unexpected {extra}); update the generator or the contract"
        )
    columns = []
    for name, column_type in contract.columns:
        target = polars_type(column_type)
        current = frame.schema[name]
        column = pl.col(name)
        if isinstance(target, pl.Decimal) and current.is_integer():
            scale = target.scale
            column = (column.cast(pl.Decimal(38, scale)) / 10**scale).cast(target)
        elif current == pl.String and target != pl.String and contract.format == "csv":
            pass
        elif current != target:
            column = column.cast(target)
        columns.append(column.alias(name))
    return frame.select(columns)


class LandingWriter:
    """Stage landing files and truth files, then publish them all at once.

    Use as a context manager: staging folders are removed if anything fails, and ``publish``
    moves every file over its previous version.
    """

    def __init__(
        self, landing_dir: Path, truth_dir: Path, contracts: dict[str, SourceContract]
    ) -> None:
        self.landing_dir = Path(landing_dir)
        self.truth_dir = Path(truth_dir)
        self.contracts = contracts
        self.rows: dict[str, int] = dict.fromkeys(contracts, 0)
        self._csv: dict[str, IO[bytes]] = {}
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._landing_stage: Path | None = None
        self._truth_stage: Path | None = None

    def __enter__(self) -> Self:
        for folder in (self.landing_dir, self.truth_dir):
            folder.parent.mkdir(parents=True, exist_ok=True)
        # Staging beside the target keeps the final rename on one file system.
        self._landing_stage = Path(
            tempfile.mkdtemp(prefix=f".{self.landing_dir.name}.", dir=self.landing_dir.parent)
        )
        self._truth_stage = Path(
            tempfile.mkdtemp(prefix=f".{self.truth_dir.name}.", dir=self.truth_dir.parent)
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close_files()
        for stage in (self._landing_stage, self._truth_stage):
            if stage is not None and stage.exists():
                shutil.rmtree(stage)

    def _staged(self, source: str) -> Path:
        assert self._landing_stage is not None, "use LandingWriter as a context manager"
        contract = self.contracts[source]
        return contract.landing_file(self._landing_stage)

    def append(self, source: str, frame: pl.DataFrame) -> int:
        """Append rows to a landing file; return how many rows the file held before.

        Parameters
        ----------
        source
            Source name from the contracts, e.g. ``erp__order_lines``.
        frame
            Rows with the contract's columns.
        """
        contract = self.contracts[source]
        rows = conform(frame, contract)
        path = self._staged(source)
        if contract.format == "csv":
            handle = self._csv.get(source)
            first = handle is None
            if handle is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = self._csv[source] = path.open("wb")
            rows.write_csv(handle, include_header=first, date_format="%Y-%m-%d")
        else:
            table = rows.to_arrow()
            writer = self._parquet.get(source)
            if writer is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                writer = self._parquet[source] = pq.ParquetWriter(
                    path, table.schema, compression="zstd"
                )
            writer.write_table(table.cast(writer.schema))
        before = self.rows[source]
        self.rows[source] = before + rows.height
        return before

    def _ensure_every_file(self) -> None:
        for source, contract in self.contracts.items():
            if source not in self._csv and source not in self._parquet:
                empty = pl.DataFrame(schema={name: polars_type(t) for name, t in contract.columns})
                self.append(source, empty)

    def _close_files(self) -> None:
        for handle in self._csv.values():
            handle.close()
        for writer in self._parquet.values():
            writer.close()
        self._csv.clear()
        self._parquet.clear()

    def write_truth(self, name: str, frame: pl.DataFrame) -> None:
        """Write one ground-truth CSV (``<truth>/<name>.csv``)."""
        assert self._truth_stage is not None, "use LandingWriter as a context manager"
        frame.write_csv(self._truth_stage / f"{name}.csv", date_format="%Y-%m-%d")

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` into the truth folder."""
        assert self._truth_stage is not None, "use LandingWriter as a context manager"
        text = json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False)
        (self._truth_stage / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")

    def publish(self) -> dict[str, Path]:
        """Close all files and move them over the previous output; return landing paths."""
        self._ensure_every_file()
        self._close_files()
        assert self._landing_stage is not None and self._truth_stage is not None
        published = {}
        for source, contract in self.contracts.items():
            target = contract.landing_file(self.landing_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(contract.landing_file(self._landing_stage), target)
            published[source] = target
        self.truth_dir.mkdir(parents=True, exist_ok=True)
        # The manifest goes last: its presence marks a complete truth folder.
        staged_truth = sorted(
            self._truth_stage.iterdir(), key=lambda path: path.name == MANIFEST_FILE
        )
        for path in staged_truth:
            os.replace(path, self.truth_dir / path.name)
        return published
