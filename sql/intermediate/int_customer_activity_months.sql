-- Customer x month key spine: one row per golden customer and month in which any
-- customer-month fact has something to report, with a flag per kind of activity, so the models
-- that join these sources (marts.fct_customer_profitability_months, kpi.fct_segment_kpi_months)
-- read one key set instead of each restating the union. Orders count on their order month
-- (marts.fct_customer_months), service activity (shipments, returns, invoices, open
-- receivables) on its month (intermediate.int_customer_service_months) and cost to serve on its
-- cost month (marts.fct_customer_cost_to_serve_months). Partitioned by month.
-- @partition_column: month
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column month: First day of the month (the partition).
-- @column has_orders: The customer placed orders in the month.
-- @column has_returns_credit: Returns were credited to the customer in the month (a non-zero
--     credited amount).
-- @column has_service_activity: The customer had shipments, returns, invoices or open
--     receivables in the month.
-- @column has_cost_to_serve: Cost to serve was allocated to the customer for the month.
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

activities as (
    select
        customer_key,
        order_month as month,
        true as has_orders,
        false as has_returns_credit,
        false as has_service_activity,
        false as has_cost_to_serve,
    from customer_months
    union all
    select
        customer_key,
        activity_month as month,
        false as has_orders,
        credited_amount <> 0 as has_returns_credit,
        true as has_service_activity,
        false as has_cost_to_serve,
    from service_months
    union all
    select
        customer_key,
        cost_month as month,
        false as has_orders,
        false as has_returns_credit,
        false as has_service_activity,
        true as has_cost_to_serve,
    from cost_months
),

final as (
    select
        customer_key,
        month,
        bool_or(has_orders) as has_orders,
        bool_or(has_returns_credit) as has_returns_credit,
        bool_or(has_service_activity) as has_service_activity,
        bool_or(has_cost_to_serve) as has_cost_to_serve,
    from activities
    group by customer_key, month
)

select * from final
