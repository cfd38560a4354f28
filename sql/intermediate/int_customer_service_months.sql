-- What serving each golden customer took per month, apart from the order lines themselves:
-- shipments (count, weight, distance) by ship month, returns (count, units, credited amount)
-- by return month, invoices by invoice month (amount; for paid invoices the amount and
-- amount x days from invoice to payment, whose ratio is the amount-weighted days to pay, and
-- amount x days from due date to payment, the days paid late; negative when paid early), and
-- receivables_at_month_end: invoices dated by the month's end and not paid by then (open at the
-- extract, or paid later), whatever month they were issued in.
-- Orders reach their golden customer through mdm.crosswalk; activity of orders that have none
-- (orders quarantined in staging) is not attributed here. Partitioned by activity month.
-- @partition_column: activity_month
with

orders as (
    select * from staging.stg_erp__orders
),

crosswalk as (
    select * from mdm.crosswalk
    where source_system = 'erp'
),

shipments as (
    select * from staging.stg_tms__shipments
    where ship_date >= $month_start and ship_date < $month_end
),

order_lines as (
    select * from staging.stg_erp__order_lines
),

returns as (
    select * from staging.stg_erp__returns
    where return_date >= $month_start and return_date < $month_end
),

all_invoices as (
    select * from staging.stg_finance__invoices
),

invoices as (
    select * from all_invoices
    where invoice_date >= $month_start and invoice_date < $month_end
),

months as (
    select month as activity_month
    from intermediate.int_months
    where month >= $month_start and month < $month_end
),

order_customers as (
    select
        orders.order_id,
        crosswalk.customer_key,
    from orders
    inner join crosswalk
        on orders.customer_id = crosswalk.source_id
),

shipment_months as (
    select
        order_customers.customer_key,
        cast(date_trunc('month', shipments.ship_date) as date) as activity_month,
        count(*) as shipments,
        -- Kilograms and kilometres are doubles: summed as exact decimals, so the total does not
        -- depend on the order parallel threads hand the rows over in (two runs of the same data
        -- agree to the last bit).
        cast(sum(cast(shipments.weight_kg as decimal(38, 20))) as double) as shipped_weight_kg,
        cast(sum(cast(shipments.distance_km as decimal(38, 20))) as double)
            as shipped_distance_km,
    from shipments
    inner join order_customers
        on shipments.order_id = order_customers.order_id
    group by all
),

return_months as (
    select
        order_customers.customer_key,
        cast(date_trunc('month', returns.return_date) as date) as activity_month,
        count(*) as returns,
        sum(returns.quantity_returned) as returned_units,
        sum(returns.credit_amount) as credited_amount,
    from returns
    inner join order_lines
        on returns.order_line_id = order_lines.order_line_id
    inner join order_customers
        on order_lines.order_id = order_customers.order_id
    group by all
),

invoice_months as (
    select
        order_customers.customer_key,
        cast(date_trunc('month', invoices.invoice_date) as date) as activity_month,
        count(*) as invoices,
        sum(invoices.amount) as invoiced_amount,
        count(*) filter (where not invoices.is_open) as paid_invoices,
        coalesce(sum(invoices.amount) filter (where not invoices.is_open), 0) as paid_amount,
        coalesce(
            sum(
                invoices.amount
                * date_diff('day', invoices.invoice_date, invoices.payment_date)
            ) filter (where not invoices.is_open),
            0
        ) as paid_amount_days,
        coalesce(
            sum(
                invoices.amount
                * date_diff('day', invoices.due_date, invoices.payment_date)
            ) filter (where not invoices.is_open),
            0
        ) as paid_amount_days_late,
    from invoices
    inner join order_customers
        on invoices.order_id = order_customers.order_id
    group by all
),

receivable_months as (
    select
        order_customers.customer_key,
        months.activity_month,
        sum(all_invoices.amount) as receivables_at_month_end,
    from months
    inner join all_invoices
        on all_invoices.invoice_date < cast(months.activity_month + interval 1 month as date)
        and (
            all_invoices.payment_date is null
            or all_invoices.payment_date >= cast(months.activity_month + interval 1 month as date)
        )
    inner join order_customers
        on all_invoices.order_id = order_customers.order_id
    group by all
),

customer_months as (
    select customer_key, activity_month from shipment_months
    union
    select customer_key, activity_month from return_months
    union
    select customer_key, activity_month from invoice_months
    union
    select customer_key, activity_month from receivable_months
),

final as (
    select
        customer_months.customer_key,
        customer_months.activity_month,
        coalesce(shipment_months.shipments, 0) as shipments,
        coalesce(shipment_months.shipped_weight_kg, 0) as shipped_weight_kg,
        coalesce(shipment_months.shipped_distance_km, 0) as shipped_distance_km,
        coalesce(return_months.returns, 0) as returns,
        coalesce(return_months.returned_units, 0) as returned_units,
        coalesce(return_months.credited_amount, 0) as credited_amount,
        coalesce(invoice_months.invoices, 0) as invoices,
        coalesce(invoice_months.invoiced_amount, 0) as invoiced_amount,
        coalesce(invoice_months.paid_invoices, 0) as paid_invoices,
        coalesce(invoice_months.paid_amount, 0) as paid_amount,
        coalesce(invoice_months.paid_amount_days, 0) as paid_amount_days,
        coalesce(invoice_months.paid_amount_days_late, 0) as paid_amount_days_late,
        coalesce(receivable_months.receivables_at_month_end, 0) as receivables_at_month_end,
    from customer_months
    left join shipment_months
        on customer_months.customer_key = shipment_months.customer_key
        and customer_months.activity_month = shipment_months.activity_month
    left join return_months
        on customer_months.customer_key = return_months.customer_key
        and customer_months.activity_month = return_months.activity_month
    left join invoice_months
        on customer_months.customer_key = invoice_months.customer_key
        and customer_months.activity_month = invoice_months.activity_month
    left join receivable_months
        on customer_months.customer_key = receivable_months.customer_key
        and customer_months.activity_month = receivable_months.activity_month
)

select * from final
