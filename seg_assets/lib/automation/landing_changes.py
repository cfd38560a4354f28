"""Which months a new or changed landing file touches, read cheaply and without the warehouse.

A file is first compared by size and modification time, then by content digest; only a file
whose content changed is read, with an in-memory DuckDB, into one fingerprint per month (row
count and the sum of row hashes: independent of row order). The months whose fingerprint
differs from the last one seen are the months the file touches.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from seg_assets.lib.automation.settings import LandingMonths
from seg_assets.lib.source_contracts import SourceContract

# Rows whose month cannot be read (no parent row, unparseable date) share this bucket.
UNKNOWN_MONTH = "unknown"
_DIGEST_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileState:
    """What the sensor last saw of one landing file."""

    size: int
    mtime_ns: int
    sha256: str
    months: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """Plain data for the sensor cursor."""
        return {
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha256": self.sha256,
            **({"months": self.months} if self.months else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "FileState":
        """Read what :meth:`to_json` wrote."""
        return cls(
            size=int(data["size"]),  # type: ignore[call-overload]
            mtime_ns=int(data["mtime_ns"]),  # type: ignore[call-overload]
            sha256=str(data["sha256"]),
            months=dict(data.get("months") or {}),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class FileChange:
    """A landing file whose content changed, and the months it touches.

    Attributes
    ----------
    source : str
        The source (``<system>__<entity>``).
    months : tuple[str, ...]
        First days of the touched months (ISO), sorted; empty when the file's months cannot be
        read by date (master data) or it could not be read at all.
    scope : str
        ``months`` (exactly ``months``), ``newest`` (the newest month and the unpartitioned
        assets), or ``all`` (every month).
    reason : str
        Why, in words (for run tags and the sensor's log).
    """

    source: str
    months: tuple[str, ...]
    scope: str
    reason: str


def content_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (extracts can be gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_DIGEST_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _rows_sql(contract: SourceContract) -> str:
    # Text columns only: a contract-breaking value must not stop the fingerprint (the run that
    # follows quarantines it); the file path is bound, never formatted.
    if contract.format == "parquet":
        return "read_parquet($path)"
    return "read_csv($path, all_varchar = true, header = true, auto_detect = true)"


def month_fingerprints(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    path: Path,
    date_column: str,
    parent: tuple[SourceContract, Path, str, str] | None = None,
) -> dict[str, str]:
    """Per month of ``date_column`` (or of the parent row joined on a key), ``count:hash-sum``.

    Parameters
    ----------
    con
        An in-memory DuckDB connection (never the warehouse).
    contract, path
        The file read.
    date_column
        The column giving each row's month (in the parent when ``parent`` is given).
    parent
        ``(parent contract, parent path, parent date column, key)`` for a file whose rows get
        their month from a parent file.
    """
    rows = _rows_sql(contract)
    params: dict[str, object] = {"path": str(path)}
    if parent is None:
        month = f'try_cast(try_cast(rows."{date_column}" as timestamp) as date)'
        source = f"{rows} as rows"
    else:
        parent_contract, parent_path, parent_column, key = parent
        params["parent_path"] = str(parent_path)
        parent_rows = _rows_sql(parent_contract).replace("$path", "$parent_path")
        month = f'try_cast(try_cast(parents."{parent_column}" as timestamp) as date)'
        source = (
            f'{rows} as rows left join (select distinct "{key}", "{parent_column}"'
            f" from {parent_rows}) as parents"
            f' on cast(rows."{key}" as varchar) = cast(parents."{key}" as varchar)'
        )
    result = con.execute(
        f"select strftime(date_trunc('month', {month}), '%Y-%m-%d') as month,"
        " count(*) as row_count, sum(hash(rows)::hugeint) as hash_sum"
        f" from {source} group by all",
        params,
    ).fetchall()
    return {(m or UNKNOWN_MONTH): f"{n}:{h}" for m, n, h in result}


def changed_months(before: dict[str, str], after: dict[str, str]) -> tuple[str, ...]:
    """Months added, removed or changed between two fingerprint maps, sorted."""
    return tuple(sorted(m for m in before.keys() | after.keys() if before.get(m) != after.get(m)))


@dataclass
class LandingScan:
    """Compares the landing folder with the states last seen, one file at a time."""

    contracts: dict[str, SourceContract]
    months: LandingMonths
    landing_dir: Path
    settle_seconds: float = 0.0
    con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)

    def _fingerprints(self, source: str, path: Path) -> dict[str, str]:
        if source in self.months.by_date:
            column = self.months.by_date[source]
            return month_fingerprints(self.con, self.contracts[source], path, column)
        link = self.months.via_parent[source]
        parent = self.contracts[link.parent]
        return month_fingerprints(
            self.con,
            self.contracts[source],
            path,
            self.months.by_date[link.parent],
            (
                parent,
                parent.landing_file(self.landing_dir),
                self.months.by_date[link.parent],
                link.key,
            ),
        )

    def dated(self, source: str) -> bool:
        """Whether ``source``'s rows have a month (by date or through a parent)."""
        return source in self.months.by_date or source in self.months.via_parent

    def scan(
        self, source: str, previous: FileState | None, known_sha256: str | None = None
    ) -> tuple[FileState | None, FileChange | None]:
        """The file's new state and its change (None when unchanged or absent).

        ``known_sha256`` is the digest the last load recorded, used when the sensor has no
        state for the file yet: an equal digest is a baseline, not a change. A file modified
        less than ``settle_seconds`` ago is left for a later scan.
        """
        path = self.contracts[source].landing_file(self.landing_dir)
        if not path.exists():
            return previous, None
        stat = path.stat()
        if previous and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return previous, None
        if time.time() - stat.st_mtime < self.settle_seconds:
            # Possibly still being written: look again on a later evaluation.
            return previous, None
        digest = content_sha256(path)
        if previous and previous.sha256 == digest:
            return FileState(stat.st_size, stat.st_mtime_ns, digest, previous.months), None
        try:
            months = self._fingerprints(source, path) if self.dated(source) else {}
        except duckdb.Error as error:
            state = FileState(stat.st_size, stat.st_mtime_ns, digest)
            first_line = str(error).splitlines()[0]
            return state, FileChange(
                source, (), "newest", f"{path.name} could not be read ({first_line})"
            )
        state = FileState(stat.st_size, stat.st_mtime_ns, digest, months)
        if previous is None and known_sha256 == digest:
            return state, None
        return state, self._change(source, path, previous, months)

    def _change(
        self, source: str, path: Path, previous: FileState | None, months: dict[str, str]
    ) -> FileChange:
        name = f"{self.contracts[source].system}/{path.name}"
        if source in self.months.all_months:
            return FileChange(source, (), "all", f"{name} changed: it reaches every month")
        if not self.dated(source):
            return FileChange(source, (), "newest", f"{name} changed (master data)")
        if previous is None or not previous.months:
            touched = tuple(sorted(m for m in months if m != UNKNOWN_MONTH))
            return FileChange(source, touched, "months", f"{name} is new: every month it holds")
        touched = changed_months(previous.months, months)
        dated = tuple(m for m in touched if m != UNKNOWN_MONTH)
        if len(dated) < len(touched) and not dated:
            return FileChange(source, (), "newest", f"{name} changed in rows without a month")
        return FileChange(source, dated, "months", f"{name} changed in {', '.join(dated)}")


def contiguous_ranges(months: list[date]) -> list[tuple[date, date]]:
    """Sorted months grouped into runs of consecutive months: ``[(first, last), ...]``."""
    ranges: list[tuple[date, date]] = []
    for month in sorted(set(months)):
        if ranges:
            first, last = ranges[-1]
            following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
            if month == following:
                ranges[-1] = (first, month)
                continue
        ranges.append((month, month))
    return ranges
