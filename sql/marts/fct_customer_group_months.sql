-- Customer months rolled up to every level of the customer hierarchy: one row per
-- ancestor_key per month with the totals of that customer and all its subsidiaries and sites
-- (a customer without subsidiaries has its own figures). Rows with ancestor_key equal to a
-- top-level customer are whole-group totals. Partitioned by order month.
-- @partition_column: order_month
-- @column ancestor_key: customer_key of the group level: the customer itself or any
--     customer above it in the hierarchy (mdm.customer_hierarchy_bridge).
-- @column order_month: First day of the month the orders were placed in (the partition).
-- @column customers_with_orders: Customers at or below the ancestor with orders in the month.
-- @column orders: Distinct orders placed in the month.
-- @column order_lines: Order lines of those orders.
-- @column ordered_units: Units ordered.
-- @column shipped_units: Units shipped against the month's orders.
-- @column ordered_revenue: Ordered value at the net unit price.
-- @column shipped_revenue: Shipped value at the net unit price.
-- @column shipped_cost_of_goods: Cost of goods shipped.
-- @column freight_cost: Known freight allocated to the month's lines.
-- @column lines_missing_freight: Lines with a shipment whose freight cost is still missing.
with

customer_months as (
    select * from marts.fct_customer_months
    where order_month >= $month_start and order_month < $month_end
),

bridge as (
    select * from mdm.customer_hierarchy_bridge
),

final as (
    select
        bridge.ancestor_key,
        customer_months.order_month,
        count(distinct customer_months.customer_key) as customers_with_orders,
        cast(sum(customer_months.orders) as bigint) as orders,
        cast(sum(customer_months.order_lines) as bigint) as order_lines,
        cast(sum(customer_months.ordered_units) as bigint) as ordered_units,
        cast(sum(customer_months.shipped_units) as bigint) as shipped_units,
        sum(customer_months.ordered_revenue) as ordered_revenue,
        sum(customer_months.shipped_revenue) as shipped_revenue,
        sum(customer_months.shipped_cost_of_goods) as shipped_cost_of_goods,
        sum(customer_months.freight_cost) as freight_cost,
        cast(sum(customer_months.lines_missing_freight) as bigint) as lines_missing_freight,
    from customer_months
    inner join bridge
        on customer_months.customer_key = bridge.customer_key
    group by bridge.ancestor_key, customer_months.order_month
)

select * from final
