-- Cost to serve rolled up to every level of the customer hierarchy: one row per ancestor_key
-- per month with the activity costs and freight of that customer and all its subsidiaries and
-- sites (mdm.customer_hierarchy_bridge; a customer without subsidiaries has its own figures).
-- Rows whose ancestor_key is a top-level customer are whole-group totals; imputed_freight_share
-- is recomputed on the rolled-up freight. Partitioned by cost month.
-- @partition_column: cost_month
-- @column ancestor_key: customer_key of the group level: the customer itself or any
--     customer above it in the hierarchy (mdm.customer_hierarchy_bridge).
-- @column cost_month: First day of the cost month (the partition).
-- @column customers_with_costs: Customers at or below the ancestor with costs in the month.
-- @column picking_cost: Warehouse picking cost allocated (EUR).
-- @column packing_cost: Warehouse packing cost allocated (EUR).
-- @column storage_cost: Warehouse storage cost allocated (EUR).
-- @column transport_overhead_cost: Transport overhead allocated (EUR).
-- @column customer_service_cost: Customer service cost allocated (EUR).
-- @column returns_handling_cost: Returns handling cost allocated (EUR).
-- @column credit_carrying_cost: Cost of carrying the receivables (EUR).
-- @column other_activity_cost: Activity cost pools outside the seven named ones (EUR).
-- @column activity_cost: Sum of the activity costs above (EUR).
-- @column shipments: Shipments shipped in the month for the orders.
-- @column shipments_freight_imputed: Of those, shipments whose freight is imputed.
-- @column shipments_not_imputable: Shipments whose freight is still unknown (not imputable).
-- @column freight_cost_known: Freight from the TMS (EUR).
-- @column freight_cost_imputed: Freight imputed for shipments without TMS freight (EUR).
-- @column freight_cost: freight_cost_known + freight_cost_imputed (EUR).
-- @column cost_to_serve: activity_cost + freight_cost (EUR).
-- @column imputed_freight_share: freight_cost_imputed / freight_cost (null without freight).
with

customer_months as (
    select * from marts.fct_customer_cost_to_serve_months
    where cost_month >= $month_start and cost_month < $month_end
),

bridge as (
    select * from mdm.customer_hierarchy_bridge
),

rolled_up as (
    select
        bridge.ancestor_key,
        customer_months.cost_month,
        count(distinct customer_months.customer_key) as customers_with_costs,
        sum(customer_months.picking_cost) as picking_cost,
        sum(customer_months.packing_cost) as packing_cost,
        sum(customer_months.storage_cost) as storage_cost,
        sum(customer_months.transport_overhead_cost) as transport_overhead_cost,
        sum(customer_months.customer_service_cost) as customer_service_cost,
        sum(customer_months.returns_handling_cost) as returns_handling_cost,
        sum(customer_months.credit_carrying_cost) as credit_carrying_cost,
        sum(customer_months.other_activity_cost) as other_activity_cost,
        sum(customer_months.activity_cost) as activity_cost,
        cast(sum(customer_months.shipments) as bigint) as shipments,
        cast(sum(customer_months.shipments_freight_imputed) as bigint)
            as shipments_freight_imputed,
        cast(sum(customer_months.shipments_not_imputable) as bigint) as shipments_not_imputable,
        sum(customer_months.freight_cost_known) as freight_cost_known,
        sum(customer_months.freight_cost_imputed) as freight_cost_imputed,
        sum(customer_months.freight_cost) as freight_cost,
        sum(customer_months.cost_to_serve) as cost_to_serve,
    from customer_months
    inner join bridge
        on customer_months.customer_key = bridge.customer_key
    group by bridge.ancestor_key, customer_months.cost_month
),

final as (
    select
        *,
        case
            when freight_cost <> 0
                then cast(freight_cost_imputed as double) / cast(freight_cost as double)
        end as imputed_freight_share,
    from rolled_up
)

select * from final
