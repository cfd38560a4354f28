"""``quality.source_profiles``: each run's profile of each source (row count, null shares, key
shapes, master-data link rate), kept as history so the next run can compare with it.

The baseline of a source is the latest other run that profiled it without a blocking failure:
a feed stopped for swapped columns does not become the next run's normal.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from seg_assets.lib.identifiers import checked_identifier
from seg_assets.lib.quality.plausibility import shape_sql
from seg_assets.lib.warehouse import ensure_schema, transaction

SOURCE_PROFILES = "quality.source_profiles"
SAMPLE_SIZE = 5

_CREATE = f"""
create table if not exists {SOURCE_PROFILES} (
    run_id varchar not null,
    validated_at timestamp with time zone not null,
    source varchar not null,
    measure varchar not null,
    column_name varchar,
    shape varchar,
    value double not null,
    blocked boolean not null
)
"""


@dataclass(frozen=True)
class Measure:
    """One measure of a source: ``row_count``, ``null_share`` (of a column), ``key_shape`` (the
    values of a key column with one shape) or ``link_rate``."""

    measure: str
    value: float
    column: str | None = None
    shape: str | None = None


def ensure_source_profiles(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history table if this warehouse has none yet."""
    ensure_schema(con, "quality")
    con.execute(_CREATE)


def record_measures(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    source: str,
    kinds: Iterable[str],
    measures: Sequence[Measure],
    blocked: bool,
) -> None:
    """Store this run's ``measures`` of ``source`` (replacing its earlier rows of ``kinds``, so
    a retried check does not count twice); ``blocked`` marks a profile the run refused."""
    kinds = sorted(set(kinds))
    validated_at = datetime.now(UTC)
    rows = [
        (run_id, validated_at, source, m.measure, m.column, m.shape, float(m.value), blocked)
        for m in measures
    ]
    ensure_source_profiles(con)
    with transaction(con):
        con.execute(
            f"delete from {SOURCE_PROFILES} where run_id = ? and source = ?"
            " and list_contains(?, measure)",
            [run_id, source, kinds],
        )
        if rows:
            con.executemany(f"insert into {SOURCE_PROFILES} values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def baseline_run(
    con: duckdb.DuckDBPyConnection, source: str, run_id: str, measure: str
) -> str | None:
    """The latest other run that measured ``measure`` of ``source`` and refused none of the
    source, if any."""
    ensure_source_profiles(con)
    found = con.execute(
        f"select run_id from {SOURCE_PROFILES} where source = ? and run_id <> ? group by run_id"
        " having not bool_or(blocked) and bool_or(measure = ?)"
        " order by max(validated_at) desc limit 1",
        [source, run_id, measure],
    ).fetchall()
    return found[0][0] if found else None


def baseline_measures(
    con: duckdb.DuckDBPyConnection, source: str, baseline: str | None, measure: str
) -> dict[tuple[str | None, str | None], float]:
    """The baseline run's values of one measure of ``source`` by (column, shape)."""
    if baseline is None:
        return {}
    return {
        (column, shape): float(value)
        for column, shape, value in con.execute(
            f"select column_name, shape, value from {SOURCE_PROFILES}"
            " where run_id = ? and source = ? and measure = ?",
            [baseline, source, measure],
        ).fetchall()
    }


def shape_counts(con: duckdb.DuckDBPyConnection, table: str, column: str) -> dict[str, int]:
    """Values of ``column`` per shape (nulls and blanks left out); ``table`` is validated."""
    column = checked_identifier(column, "column")
    return dict(
        con.execute(
            f"select {shape_sql(column)} as shape, count(*) from {table}"
            f" where nullif(trim({column}), '') is not null group by shape order by shape"
        ).fetchall()
    )


@dataclass(frozen=True)
class PatternMatch:
    """How many values of a column match a pattern, and a sample of those that do not."""

    values: int
    matching: int
    failing_sample: tuple[tuple[str, int | None], ...] = ()

    @property
    def share(self) -> float | None:
        """Share of the values matching, None when there are no values."""
        return self.matching / self.values if self.values else None


def _normalized(column: str) -> str:
    return f"upper(trim(cast({checked_identifier(column, 'column')} as varchar)))"


def pattern_match(
    con: duckdb.DuckDBPyConnection, table: str, column: str, pattern: str, row_column: str | None
) -> PatternMatch:
    """Values of ``column`` (trimmed, upper case, blanks left out) matching the whole of
    ``pattern``, with a sample of failing values and their ``row_column`` (source row)."""
    value = _normalized(column)
    [(values, matching)] = con.execute(
        f"select count(*), count(*) filter (where regexp_full_match({value}, $pattern))"
        f" from {table} where nullif({value}, '') is not null",
        {"pattern": pattern},
    ).fetchall()
    row = checked_identifier(row_column, "column") if row_column else "cast(null as bigint)"
    sample = con.execute(
        f"select cast({column} as varchar) as failing, {row} as row from {table}"
        f" where nullif({value}, '') is not null and not regexp_full_match({value}, $pattern)"
        f" order by row, failing limit {SAMPLE_SIZE}",
        {"pattern": pattern},
    ).fetchall()
    return PatternMatch(int(values), int(matching), tuple((str(v), r) for v, r in sample))


def null_shares(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]
) -> tuple[int, dict[str, float]]:
    """The rows of ``table`` and the share of null (or blank text) values of each column."""
    expressions = ["count(*)"] + [
        f"count(*) filter (where nullif(trim(cast({checked_identifier(c, 'column')} as varchar)),"
        " '') is null)"
        for c in columns
    ]
    [(rows, *nulls)] = con.execute(f"select {', '.join(expressions)} from {table}").fetchall()
    return int(rows), {c: (n / rows if rows else 0.0) for c, n in zip(columns, nulls, strict=True)}


def own_records_linked(con: duckdb.DuckDBPyConnection, crosswalk: str, system: str) -> int:
    """Records of ``system`` in the crosswalk whose golden customer holds a record of another
    system (matched across systems); ``crosswalk`` is validated."""
    [(linked,)] = con.execute(
        f"select count(*) from {crosswalk} as record where starts_with(record.record_id, $prefix)"
        f" and exists (select 1 from {crosswalk} as other"
        " where other.customer_key = record.customer_key"
        " and not starts_with(other.record_id, $prefix))",
        {"prefix": f"{system}:"},
    ).fetchall()
    return int(linked)


def references_linked(
    con: duckdb.DuckDBPyConnection, table: str, column: str, crosswalk: str, system: str
) -> int:
    """Rows of ``table`` whose ``column`` is the ID of a ``system`` record in the crosswalk
    (so resolves to a golden customer); ``table`` and ``crosswalk`` are validated."""
    column = checked_identifier(column, "column")
    [(linked,)] = con.execute(
        f"select count(*) from {table} as fact where exists (select 1 from {crosswalk} as c"
        f" where c.record_id = $system || ':' || fact.{column})",
        {"system": system},
    ).fetchall()
    return int(linked)
