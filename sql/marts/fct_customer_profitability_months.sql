-- Customer P&L per golden customer per month, as a waterfall from revenue to net margin: shipped
-- revenue of the month's orders, less credits for the month's returns (net revenue), less cost
-- of goods shipped (gross margin), less each activity's cost to serve and freight (known and
-- imputed) of the month (net margin). Orders count in their order month, returns in their
-- return month, costs in their cost month (marts.fct_customer_cost_to_serve_months). Returned
-- goods' cost is not credited back: whether they are restocked or scrapped is not known.
-- Percentages are of net revenue and null unless it is positive (a month of credits only has
-- no meaningful margin %). Partitioned by month.
-- @partition_column: month
-- @column net_revenue: shipped_revenue - returns_credit (EUR).
-- @column gross_margin: net_revenue - cost_of_goods (EUR).
-- @column cost_to_serve: the activity costs plus freight_cost (EUR).
-- @column net_margin: gross_margin - cost_to_serve (EUR): what the customer contributes.
-- @column freight_cost_imputed: the part of freight_cost imputed for shipments without TMS
--     freight (EUR).
-- @column gross_margin_pct: gross_margin / net_revenue.
-- @column cost_to_serve_pct_revenue: cost_to_serve / net_revenue.
-- @column net_margin_pct: net_margin / net_revenue.
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column ultimate_parent_key: Top of the customer's group (mdm.customer_hierarchy).
-- @column month: First day of the month (order, return or cost month; the partition).
-- @column shipped_revenue: Shipped value of the month's orders (EUR).
-- @column returns_credit: Credits for the month's returns (EUR).
-- @column cost_of_goods: Cost of goods shipped for the month's orders (EUR).
-- @column picking_cost: Warehouse picking cost allocated to the customer (EUR).
-- @column packing_cost: Warehouse packing cost allocated to the customer (EUR).
-- @column storage_cost: Warehouse storage cost allocated to the customer (EUR).
-- @column transport_overhead_cost: Transport overhead allocated to the customer (EUR).
-- @column customer_service_cost: Customer service cost allocated to the customer (EUR).
-- @column returns_handling_cost: Returns handling cost allocated to the customer (EUR).
-- @column credit_carrying_cost: Cost of carrying the customer's receivables (EUR).
-- @column other_activity_cost: Activity cost pools outside the seven named ones (EUR).
-- @column freight_cost: Freight of the month's shipments, known and imputed (EUR).
with

customer_months as (
    select * from marts.fct_customer_months
    where order_month >= $month_start and order_month < $month_end
),

service_months as (
    select * from intermediate.int_customer_service_months
    where activity_month >= $month_start and activity_month < $month_end
),

cost_months as (
    select * from marts.fct_customer_cost_to_serve_months
    where cost_month >= $month_start and cost_month < $month_end
),

hierarchy as (
    select * from mdm.customer_hierarchy
),

activity_months as (
    select * from intermediate.int_customer_activity_months
    where month >= $month_start and month < $month_end
),

-- A month with orders, credited returns or cost to serve has a P&L row.
keys as (
    select customer_key, month
    from activity_months
    where has_orders or has_returns_credit or has_cost_to_serve
),

amounts as (
    select
        keys.customer_key,
        keys.month,
        coalesce(customer_months.shipped_revenue, 0) as shipped_revenue,
        coalesce(service_months.credited_amount, 0) as returns_credit,
        coalesce(customer_months.shipped_cost_of_goods, 0) as cost_of_goods,
        coalesce(cost_months.picking_cost, 0) as picking_cost,
        coalesce(cost_months.packing_cost, 0) as packing_cost,
        coalesce(cost_months.storage_cost, 0) as storage_cost,
        coalesce(cost_months.transport_overhead_cost, 0) as transport_overhead_cost,
        coalesce(cost_months.customer_service_cost, 0) as customer_service_cost,
        coalesce(cost_months.returns_handling_cost, 0) as returns_handling_cost,
        coalesce(cost_months.credit_carrying_cost, 0) as credit_carrying_cost,
        coalesce(cost_months.other_activity_cost, 0) as other_activity_cost,
        coalesce(cost_months.freight_cost, 0) as freight_cost,
        coalesce(cost_months.freight_cost_imputed, 0) as freight_cost_imputed,
        coalesce(cost_months.cost_to_serve, 0) as cost_to_serve,
    from keys
    left join customer_months
        on keys.customer_key = customer_months.customer_key
        and keys.month = customer_months.order_month
    left join service_months
        on keys.customer_key = service_months.customer_key
        and keys.month = service_months.activity_month
    left join cost_months
        on keys.customer_key = cost_months.customer_key
        and keys.month = cost_months.cost_month
),

waterfall as (
    select
        *,
        shipped_revenue - returns_credit as net_revenue,
        shipped_revenue - returns_credit - cost_of_goods as gross_margin,
        shipped_revenue - returns_credit - cost_of_goods - cost_to_serve as net_margin,
    from amounts
),

final as (
    select
        waterfall.customer_key,
        hierarchy.ultimate_parent_key,
        waterfall.month,
        waterfall.shipped_revenue,
        waterfall.returns_credit,
        waterfall.net_revenue,
        waterfall.cost_of_goods,
        waterfall.gross_margin,
        waterfall.picking_cost,
        waterfall.packing_cost,
        waterfall.storage_cost,
        waterfall.transport_overhead_cost,
        waterfall.customer_service_cost,
        waterfall.returns_handling_cost,
        waterfall.credit_carrying_cost,
        waterfall.other_activity_cost,
        waterfall.freight_cost,
        waterfall.freight_cost_imputed,
        waterfall.cost_to_serve,
        waterfall.net_margin,
        case when waterfall.net_revenue > 0
            then cast(waterfall.gross_margin as double) / cast(waterfall.net_revenue as double)
        end as gross_margin_pct,
        case when waterfall.net_revenue > 0
            then cast(waterfall.cost_to_serve as double) / cast(waterfall.net_revenue as double)
        end as cost_to_serve_pct_revenue,
        case when waterfall.net_revenue > 0
            then cast(waterfall.net_margin as double) / cast(waterfall.net_revenue as double)
        end as net_margin_pct,
    from waterfall
    left join hierarchy
        on waterfall.customer_key = hierarchy.customer_key
)

select * from final
