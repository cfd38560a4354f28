"""Checks on activity-based cost-to-serve: every cost pool is allocated to the cent, pools left
without a driver are reported, and the customer months add up to the allocations."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.mdm.checks import golden_customer_check
from seg_assets.defs.partitions import checked_month_window
from seg_assets.defs.violation_counts import violation_counts_result
from seg_assets.lib.table_preview import markdown_table

ALLOCATIONS = dg.AssetKey(["marts", "fct_cost_allocations"])
CUSTOMER_COSTS = dg.AssetKey(["marts", "fct_customer_cost_to_serve_months"])
COST_POOLS = dg.AssetKey(["staging", "stg_finance__cost_pools"])
# Rows listed in a check's metadata; the counts cover all of them.
LISTED_ROWS = 20

_POOLS_VS_ALLOCATIONS = """
with
pools as (
    select cost_month, cost_pool_id, cost_pool, amount
    from staging.stg_finance__cost_pools
    where cost_month >= $month_start and cost_month < $month_end
),
allocated as (
    select
        cost_month,
        cost_pool_id,
        any_value(cost_pool) as cost_pool,
        sum(allocated_amount) as allocated,
        coalesce(sum(allocated_amount) filter (where is_unallocated), 0) as unallocated,
    from marts.fct_cost_allocations
    where cost_month >= $month_start and cost_month < $month_end
    group by cost_month, cost_pool_id
)
select
    coalesce(pools.cost_month, allocated.cost_month) as cost_month,
    coalesce(pools.cost_pool_id, allocated.cost_pool_id) as cost_pool_id,
    coalesce(pools.cost_pool, allocated.cost_pool) as cost_pool,
    pools.amount as pool_amount,
    allocated.allocated as allocated_amount,
    allocated.unallocated as unallocated_amount,
from pools
full outer join allocated
    on pools.cost_month = allocated.cost_month and pools.cost_pool_id = allocated.cost_pool_id
order by 1, 2
"""


def _markdown(header: tuple[str, ...], rows: list[tuple]) -> dg.MetadataValue:
    if not rows:
        return dg.MetadataValue.md("none")
    table = markdown_table(header, rows[:LISTED_ROWS])
    more = f"\n\n… and {len(rows) - LISTED_ROWS} more" if len(rows) > LISTED_ROWS else ""
    return dg.MetadataValue.md(table + more)


@dg.asset_check(asset=ALLOCATIONS, blocking=True, additional_deps=[COST_POOLS])
def allocations_reconcile_to_cost_pools(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """Per cost pool per month (of the months the run refreshed), the allocated amounts
    (unallocated rows included) equal the pool amount to the cent, and no allocation is left
    without its pool; the metadata lists every mismatch."""
    window = checked_month_window(context)
    with duckdb.get_connection() as con:
        rows = con.execute(_POOLS_VS_ALLOCATIONS, window.as_parameters()).fetchall()
    mismatches = [row for row in rows if row[3] is None or row[4] is None or row[3] != row[4]]
    return dg.AssetCheckResult(
        passed=not mismatches,
        metadata={
            "months": f"{window.start} to {window.end} (exclusive)",
            "cost_pools_checked": len(rows),
            "pool_total": float(sum(row[3] or 0 for row in rows)),
            "allocated_total": float(sum(row[4] or 0 for row in rows)),
            "unallocated_total": float(sum(row[5] or 0 for row in rows)),
            "mismatches": len(mismatches),
            "mismatched_pools": _markdown(
                ("cost_month", "cost_pool_id", "cost_pool", "pool", "allocated", "unallocated"),
                mismatches,
            ),
        },
    )


@dg.asset_check(asset=ALLOCATIONS, blocking=False)
def every_cost_pool_has_driver(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """Warns when a pool of the refreshed months stayed unallocated because no driver is
    configured for it or its driver had no volume in its month (the cost is kept whole on an
    unallocated row, so customers' costs do not add up to the pool)."""
    window = checked_month_window(context)
    with duckdb.get_connection() as con:
        rows = con.execute(
            "select cost_month, cost_pool_id, cost_pool, allocated_amount, unallocated_reason"
            " from marts.fct_cost_allocations"
            f" where is_unallocated and {window.predicate('cost_month')} order by 1, 2",
            window.as_parameters(),
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "unallocated_pools": len(rows),
            "unallocated_amount": float(sum(row[3] for row in rows)),
            "pools": _markdown(
                ("cost_month", "cost_pool_id", "cost_pool", "amount", "reason"), rows
            ),
        },
    )


_CUSTOMER_MONTH_VIOLATIONS = {
    "rows_whose_activities_do_not_add_up": """
        select count(*) from marts.fct_customer_cost_to_serve_months
        where {window} and activity_cost <> picking_cost + packing_cost + storage_cost
            + transport_overhead_cost + customer_service_cost + returns_handling_cost
            + credit_carrying_cost + other_activity_cost""",
    "rows_whose_total_does_not_add_up": """
        select count(*) from marts.fct_customer_cost_to_serve_months
        where {window} and (freight_cost <> freight_cost_known + freight_cost_imputed
            or cost_to_serve <> activity_cost + freight_cost)""",
    "months_differing_from_allocations": """
        select count(*) from (
            select cost_month, sum(activity_cost) as amount
            from marts.fct_customer_cost_to_serve_months where {window} group by 1
        ) c full outer join (
            select cost_month, sum(allocated_amount) as amount
            from marts.fct_cost_allocations where {window} and not is_unallocated group by 1
        ) a using (cost_month)
        where coalesce(c.amount, 0) <> coalesce(a.amount, 0)""",
    "customer_months_repeated": """
        select count(*) - count(distinct (customer_key, cost_month))
        from marts.fct_customer_cost_to_serve_months where {window}""",
}


@dg.asset_check(asset=CUSTOMER_COSTS, blocking=True, additional_deps=[ALLOCATIONS])
def customer_costs_reconcile_to_allocations(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """In the refreshed months each customer month is one row whose activity columns add up to
    activity_cost and whose freight and cost_to_serve add up; per month the customers' activity
    cost equals the cost allocated to customers in marts.fct_cost_allocations."""
    window = checked_month_window(context)
    predicate = window.predicate("cost_month")
    return violation_counts_result(
        duckdb,
        {name: sql.format(window=predicate) for name, sql in _CUSTOMER_MONTH_VIOLATIONS.items()},
        window.as_parameters(),
    )


defs = dg.Definitions(
    asset_checks=[
        allocations_reconcile_to_cost_pools,
        every_cost_pool_has_driver,
        customer_costs_reconcile_to_allocations,
        golden_customer_check(CUSTOMER_COSTS),
    ]
)
