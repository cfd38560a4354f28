-- Cost to serve per golden customer (customer_key) per month: one column per activity cost pool
-- allocated to the customer's order lines, orders, invoices and storage in that month
-- (marts.fct_cost_allocations; pools outside the seven named ones in other_activity_cost),
-- their sum activity_cost, and freight of the shipments shipped that month for the customer's
-- orders (intermediate.int_shipments_freight_imputed): TMS freight (freight_cost_known),
-- imputed freight (freight_cost_imputed) and their sum freight_cost, with
-- imputed_freight_share = imputed / freight_cost (null when there is no freight) so reports can
-- show how much rests on imputation; shipments_not_imputable counts shipments whose freight is
-- still unknown. cost_to_serve = activity_cost + freight_cost. ultimate_parent_key is the top of
-- the customer's group (mdm.customer_hierarchy). Unallocated pool rows belong to no customer and
-- are not here. Partitioned by cost month (the month of the pool, or the ship month for freight).
-- @partition_column: cost_month
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column cost_month: First day of the cost month (the partition).
-- @column ultimate_parent_key: Top of the customer's group (mdm.customer_hierarchy).
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

allocations as (
    select * from marts.fct_cost_allocations
    where cost_month >= $month_start and cost_month < $month_end
),

shipments as (
    select * from intermediate.int_shipments_freight_imputed
    where ship_month >= $month_start and ship_month < $month_end
),

orders as (
    select * from staging.stg_erp__orders
),

crosswalk as (
    select * from mdm.crosswalk
),

hierarchy as (
    select * from mdm.customer_hierarchy
),

activity_costs as (
    select
        customer_key,
        cost_month,
        sum(allocated_amount) filter (where cost_pool = 'warehouse_picking') as picking_cost,
        sum(allocated_amount) filter (where cost_pool = 'warehouse_packing') as packing_cost,
        sum(allocated_amount) filter (where cost_pool = 'warehouse_storage') as storage_cost,
        sum(allocated_amount) filter (where cost_pool = 'transport_overhead')
            as transport_overhead_cost,
        sum(allocated_amount) filter (where cost_pool = 'customer_service')
            as customer_service_cost,
        sum(allocated_amount) filter (where cost_pool = 'returns_handling')
            as returns_handling_cost,
        sum(allocated_amount) filter (where cost_pool = 'credit_carrying') as credit_carrying_cost,
        sum(allocated_amount) filter (
            where cost_pool not in (
                'warehouse_picking',
                'warehouse_packing',
                'warehouse_storage',
                'transport_overhead',
                'customer_service',
                'returns_handling',
                'credit_carrying'
            )
        ) as other_activity_cost,
        sum(allocated_amount) as activity_cost,
    from allocations
    where not is_unallocated
    group by customer_key, cost_month
),

freight_costs as (
    select
        crosswalk.customer_key,
        shipments.ship_month as cost_month,
        count(*) as shipments,
        count(*) filter (where shipments.is_freight_imputed) as shipments_freight_imputed,
        count(*) filter (where shipments.freight_cost is null) as shipments_not_imputable,
        sum(shipments.freight_cost) filter (where not shipments.is_freight_imputed)
            as freight_cost_known,
        sum(shipments.freight_cost) filter (where shipments.is_freight_imputed)
            as freight_cost_imputed,
    from shipments
    inner join orders
        on shipments.order_id = orders.order_id
    inner join crosswalk
        on crosswalk.record_id = 'erp:' || orders.customer_id
    group by crosswalk.customer_key, shipments.ship_month
),

joined as (
    select
        coalesce(activity_costs.customer_key, freight_costs.customer_key) as customer_key,
        coalesce(activity_costs.cost_month, freight_costs.cost_month) as cost_month,
        cast(coalesce(activity_costs.picking_cost, 0) as decimal(18, 2)) as picking_cost,
        cast(coalesce(activity_costs.packing_cost, 0) as decimal(18, 2)) as packing_cost,
        cast(coalesce(activity_costs.storage_cost, 0) as decimal(18, 2)) as storage_cost,
        cast(coalesce(activity_costs.transport_overhead_cost, 0) as decimal(18, 2))
            as transport_overhead_cost,
        cast(coalesce(activity_costs.customer_service_cost, 0) as decimal(18, 2))
            as customer_service_cost,
        cast(coalesce(activity_costs.returns_handling_cost, 0) as decimal(18, 2))
            as returns_handling_cost,
        cast(coalesce(activity_costs.credit_carrying_cost, 0) as decimal(18, 2))
            as credit_carrying_cost,
        cast(coalesce(activity_costs.other_activity_cost, 0) as decimal(18, 2))
            as other_activity_cost,
        cast(coalesce(activity_costs.activity_cost, 0) as decimal(18, 2)) as activity_cost,
        coalesce(freight_costs.shipments, 0) as shipments,
        coalesce(freight_costs.shipments_freight_imputed, 0) as shipments_freight_imputed,
        coalesce(freight_costs.shipments_not_imputable, 0) as shipments_not_imputable,
        cast(coalesce(freight_costs.freight_cost_known, 0) as decimal(18, 2))
            as freight_cost_known,
        cast(coalesce(freight_costs.freight_cost_imputed, 0) as decimal(18, 2))
            as freight_cost_imputed,
    from activity_costs
    full outer join freight_costs
        on activity_costs.customer_key = freight_costs.customer_key
        and activity_costs.cost_month = freight_costs.cost_month
),

final as (
    select
        joined.customer_key,
        joined.cost_month,
        hierarchy.ultimate_parent_key,
        joined.picking_cost,
        joined.packing_cost,
        joined.storage_cost,
        joined.transport_overhead_cost,
        joined.customer_service_cost,
        joined.returns_handling_cost,
        joined.credit_carrying_cost,
        joined.other_activity_cost,
        joined.activity_cost,
        joined.shipments,
        joined.shipments_freight_imputed,
        joined.shipments_not_imputable,
        joined.freight_cost_known,
        joined.freight_cost_imputed,
        cast(joined.freight_cost_known + joined.freight_cost_imputed as decimal(18, 2))
            as freight_cost,
        cast(
            joined.activity_cost + joined.freight_cost_known + joined.freight_cost_imputed
            as decimal(18, 2)
        ) as cost_to_serve,
        case
            when joined.freight_cost_known + joined.freight_cost_imputed <> 0
                then cast(joined.freight_cost_imputed as double)
                / cast(joined.freight_cost_known + joined.freight_cost_imputed as double)
        end as imputed_freight_share,
    from joined
    left join hierarchy
        on joined.customer_key = hierarchy.customer_key
)

select * from final
