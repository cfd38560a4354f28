-- One row per golden customer (customer_key) per month with orders: orders, lines, units
-- (ordered and shipped), revenue (ordered value and shipped value), cost of goods shipped and
-- freight cost (known freight only; lines_missing_freight counts lines whose freight still has
-- to be imputed). All of a customer's ERP accounts count as one customer.
-- Partitioned by order month.
-- @partition_column: order_month
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column order_month: First day of the month the orders were placed in (the partition).
-- @column orders: Distinct orders placed in the month.
-- @column order_lines: Order lines of those orders.
-- @column ordered_units: Units ordered.
-- @column shipped_units: Units shipped against the month's orders.
-- @column ordered_revenue: Ordered value at the net unit price.
-- @column shipped_revenue: Shipped value at the net unit price.
-- @column shipped_cost_of_goods: Cost of goods shipped.
-- @column freight_cost: Known freight allocated to the month's lines (0 when none is known).
-- @column lines_missing_freight: Lines with a shipment whose freight cost is still missing.
with

order_lines as (
    select * from marts.fct_order_lines
    where order_month >= $month_start and order_month < $month_end
),

final as (
    select
        customer_key,
        order_month,
        count(distinct order_id) as orders,
        count(*) as order_lines,
        sum(quantity_ordered) as ordered_units,
        sum(quantity_shipped) as shipped_units,
        sum(ordered_revenue) as ordered_revenue,
        sum(shipped_revenue) as shipped_revenue,
        sum(shipped_cost_of_goods) as shipped_cost_of_goods,
        coalesce(sum(freight_cost), 0) as freight_cost,
        count(*) filter (where is_freight_cost_missing) as lines_missing_freight,
    from order_lines
    group by customer_key, order_month
)

select * from final
