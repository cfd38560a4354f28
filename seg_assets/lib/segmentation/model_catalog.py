"""The registered model versions as operators see them, read from the serving snapshot.

A version's status is its latest decision (``segmentation.model_decisions``): published by the
guard, pending approval, approved, rejected or rolled back; versions trained before the guard
existed count as published.
"""

from pathlib import Path

import duckdb
import polars as pl

from seg_assets.lib.errors import SegAssetsError

_CATALOG = """
with
registry as (
    select * from segmentation.model_registry
),
decisions as (
    select * from {decisions}
),
status as (
    select
        model_version,
        arg_max(decision, decided_at) as status,
        arg_max(decided_by, decided_at) as decided_by,
        arg_max(reason, decided_at) as reason,
        arg_max(impact_report, decided_at) as impact_report,
        max(decided_at) as decided_at,
    from decisions
    group by model_version
),
served as (
    select
        model_version,
        count(distinct as_of_month) as months_served,
        max(as_of_month) as last_month_served,
    from segmentation.customer_segments
    group by model_version
),
final as (
    select
        registry.model_version,
        registry.as_of_month as trained_on,
        registry.algorithm,
        coalesce(status.status, 'published') as status,
        status.decided_by,
        status.decided_at,
        status.reason,
        status.impact_report,
        coalesce(served.months_served, 0) as months_served,
        served.last_month_served,
    from registry
    left join status
        on registry.model_version = status.model_version
    left join served
        on registry.model_version = served.model_version
)
select * from final order by trained_on, model_version
"""
# Snapshots published before decisions were recorded have no decisions table.
_NO_DECISIONS = (
    "(select null::varchar as model_version, null::varchar as decision, null::varchar as"
    " decided_by, null::varchar as reason, null::varchar as impact_report,"
    " null::timestamp as decided_at where false)"
)


class NoSnapshotError(SegAssetsError):
    """There is no serving snapshot with a model registry to read."""


def model_catalog(serving: Path) -> pl.DataFrame:
    """Every registered version: trained on, algorithm, status and its latest decision, months
    served. Reads the serving snapshot read-only (never the working warehouse)."""
    if not serving.exists():
        raise NoSnapshotError(f"no serving snapshot at {serving}: run `make demo` first")
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'segmentation'"
            ).fetchall()
        }
        if "model_registry" not in tables:
            raise NoSnapshotError(f"{serving} holds no segmentation.model_registry yet")
        decisions = "segmentation.model_decisions" if "model_decisions" in tables else _NO_DECISIONS
        return con.sql(_CATALOG.format(decisions=decisions)).pl()
