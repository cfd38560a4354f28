-- Customer P&L rolled up to every level of the customer hierarchy: one row per ancestor_key per
-- month with the amounts of that customer and all its subsidiaries and sites
-- (mdm.customer_hierarchy_bridge); rows whose ancestor is a top-level customer are whole-group
-- P&Ls. Percentages are recomputed from the summed amounts (of net revenue; null unless it is
-- positive). Partitioned by month.
-- @partition_column: month
-- @column ancestor_key: customer_key of the group level: the customer itself or any
--     customer above it in the hierarchy (mdm.customer_hierarchy_bridge).
-- @column month: First day of the month (order, return or cost month; the partition).
-- @column customers: Customers at or below the ancestor with a P&L row in the month.
-- @column shipped_revenue: Shipped value of the month's orders (EUR).
-- @column returns_credit: Credits for the month's returns (EUR).
-- @column net_revenue: shipped_revenue - returns_credit (EUR).
-- @column cost_of_goods: Cost of goods shipped for the month's orders (EUR).
-- @column gross_margin: net_revenue - cost_of_goods (EUR).
-- @column picking_cost: Warehouse picking cost allocated (EUR).
-- @column packing_cost: Warehouse packing cost allocated (EUR).
-- @column storage_cost: Warehouse storage cost allocated (EUR).
-- @column transport_overhead_cost: Transport overhead allocated (EUR).
-- @column customer_service_cost: Customer service cost allocated (EUR).
-- @column returns_handling_cost: Returns handling cost allocated (EUR).
-- @column credit_carrying_cost: Cost of carrying the receivables (EUR).
-- @column other_activity_cost: Activity cost pools outside the seven named ones (EUR).
-- @column freight_cost: Freight of the month's shipments, known and imputed (EUR).
-- @column cost_to_serve: Activity costs plus freight_cost (EUR).
-- @column freight_cost_imputed: The part of freight_cost imputed (EUR).
-- @column net_margin: gross_margin - cost_to_serve (EUR).
-- @column gross_margin_pct: gross_margin / net_revenue (null unless net revenue is positive).
-- @column cost_to_serve_pct_revenue: cost_to_serve / net_revenue (same null rule).
-- @column net_margin_pct: net_margin / net_revenue (same null rule).
with

customer_pnl as (
    select * from marts.fct_customer_profitability_months
    where month >= $month_start and month < $month_end
),

bridge as (
    select * from mdm.customer_hierarchy_bridge
),

summed as (
    select
        bridge.ancestor_key,
        customer_pnl.month,
        count(distinct customer_pnl.customer_key) as customers,
        sum(customer_pnl.shipped_revenue) as shipped_revenue,
        sum(customer_pnl.returns_credit) as returns_credit,
        sum(customer_pnl.net_revenue) as net_revenue,
        sum(customer_pnl.cost_of_goods) as cost_of_goods,
        sum(customer_pnl.gross_margin) as gross_margin,
        sum(customer_pnl.picking_cost) as picking_cost,
        sum(customer_pnl.packing_cost) as packing_cost,
        sum(customer_pnl.storage_cost) as storage_cost,
        sum(customer_pnl.transport_overhead_cost) as transport_overhead_cost,
        sum(customer_pnl.customer_service_cost) as customer_service_cost,
        sum(customer_pnl.returns_handling_cost) as returns_handling_cost,
        sum(customer_pnl.credit_carrying_cost) as credit_carrying_cost,
        sum(customer_pnl.other_activity_cost) as other_activity_cost,
        sum(customer_pnl.freight_cost) as freight_cost,
        sum(customer_pnl.cost_to_serve) as cost_to_serve,
        sum(customer_pnl.freight_cost_imputed) as freight_cost_imputed,
        sum(customer_pnl.net_margin) as net_margin,
    from customer_pnl
    inner join bridge
        on customer_pnl.customer_key = bridge.customer_key
    group by bridge.ancestor_key, customer_pnl.month
),

final as (
    select
        *,
        case when net_revenue > 0
            then cast(gross_margin as double) / cast(net_revenue as double)
        end as gross_margin_pct,
        case when net_revenue > 0
            then cast(cost_to_serve as double) / cast(net_revenue as double)
        end as cost_to_serve_pct_revenue,
        case when net_revenue > 0
            then cast(net_margin as double) / cast(net_revenue as double)
        end as net_margin_pct,
    from summed
)

select * from final
