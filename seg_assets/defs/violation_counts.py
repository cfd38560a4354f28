"""Checks that count rows breaking an invariant: each query returns one count, all must be 0."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource


def violation_counts_result(
    duckdb: DuckDBResource, queries: Mapping[str, str], params: Mapping[str, Any] | None = None
) -> dg.AssetCheckResult:
    """Passes when every query counts 0 rows; the counts are the check's metadata."""
    with duckdb.get_connection() as con:
        counts = {
            name: int(con.execute(sql, params or {}).fetchall()[0][0])
            for name, sql in queries.items()
        }
    return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)
