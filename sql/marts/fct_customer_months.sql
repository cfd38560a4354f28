-- One row per golden customer (customer_key) per month with orders: orders, lines, units
-- (ordered and shipped), revenue (ordered value and shipped value), cost of goods shipped and
-- freight cost (known freight only; lines_missing_freight counts lines whose freight still has
-- to be imputed). All of a customer's ERP accounts count as one customer.
-- Partitioned by order month.
-- @partition_column: order_month
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
