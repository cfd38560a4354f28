"""Which months a new or changed landing file touches, read cheaply and without the warehouse.

A file is first compared by size and modification time, then by content digest; only a file
whose content changed is read, with an in-memory DuckDB, into one fingerprint per month (row
count and the sum of row hashes: independent of row order). A row touches the month of its own
date and every month of the rows it links to in other files (a shipment: the month it left and
its order's month). The months whose fingerprint differs from the last one seen are the months
the file touches.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from seg_assets.lib.automation.settings import LandingMonths, ParentLink
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


def _month(column: str) -> str:
    """SQL of the first day of the month of ``rows.<column>`` (null when it is not a date)."""
    return (
        f"cast(date_trunc('month', try_cast(try_cast(rows.\"{column}\" as timestamp) as date))"
        " as date)"
    )


def month_fingerprints(con: duckdb.DuckDBPyConnection, rows: str, params: dict) -> dict[str, str]:
    """Per month a row touches, ``count:hash-sum`` of those rows (``UNKNOWN_MONTH``: none).

    Parameters
    ----------
    con
        An in-memory DuckDB connection (never the warehouse).
    rows
        SQL of the file's rows with ``_row_hash`` (the row's hash) and ``_months`` (the distinct
        months the row touches), as ``LandingScan`` builds it.
    params
        The file paths ``rows`` binds.
    """
    result = con.execute(
        "select strftime(month, '%Y-%m-%d') as month, count(*) as row_count,"
        " sum(_row_hash::hugeint) as hash_sum from (select _row_hash,"
        " unnest(if(len(_months) = 0, [null::date], _months)) as month"
        f" from ({rows})) group by all",
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

    def _links(self, source: str) -> list[ParentLink]:
        """The parent files whose rows' months ``source``'s rows take (or also touch)."""
        links = (self.months.via_parent.get(source), self.months.also_via.get(source))
        return [link for link in links if link is not None]

    def _row_months(self, source: str, path: Path, params: dict[str, object]) -> str:
        """SQL of the rows of ``source``'s file at ``path`` with their hash and the distinct
        months they touch: the month of their own date, and every month of the parent rows
        they link to (a parent's own links included). Binds the paths it reads in ``params``."""
        name = f"path{len(params)}"
        params[name] = str(path)
        months, joins = [], []
        if source in self.months.by_date:
            months.append(f"[{_month(self.months.by_date[source])}]")
        for number, link in enumerate(self._links(source)):
            parent_path = self.contracts[link.parent].landing_file(self.landing_dir)
            parents = self._row_months(link.parent, parent_path, params)
            joins.append(
                f' left join (select cast("{link.key}" as varchar) as _link_key,'
                f" flatten(list(_months)) as _months from ({parents}) group by all) as link{number}"
                f' on cast(rows."{link.key}" as varchar) = link{number}._link_key'
            )
            months.append(f"coalesce(link{number}._months, [])")
        return (
            "select rows.*, hash(rows) as _row_hash,"
            f" list_distinct(flatten([{', '.join(months)}])) as _months"
            f" from {_rows_sql(self.contracts[source]).replace('$path', '$' + name)} as rows"
            + "".join(joins)
        )

    def _fingerprints(self, source: str, path: Path) -> dict[str, str]:
        params: dict[str, object] = {}
        return month_fingerprints(self.con, self._row_months(source, path, params), params)

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
