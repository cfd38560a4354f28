-- How each sales order was fulfilled: one row per order of marts.fct_order_lines with the
-- order-level service outcomes that kpi.fct_segment_kpi_months turns into rates. Definitions:
-- - A line is delivered by a date D when it has shipments, every one of them has a delivery
--   date that is not before its ship date (intermediate.int_shipment_lines_freight_allocated),
--   and the last delivery is on or before D (early counts as on time). A line with a delivery
--   date before its ship date has an untrusted date: its order is not judged on time at all.
-- - On time against a date (APICS/ASCM OTIF, order level): every line delivered by that date
--   (the order's requested delivery date, or each line's own promised date). In full: every
--   line shipped at least its ordered quantity (a line never shipped, cancelled or short, is
--   not in full: the sources hold no cancellation status). OTIF: on time and in full.
-- - An order is measured once it is closed (every line delivered) or due: its requested date,
--   else its latest promised date, is before the data horizon (the newest order date in the
--   data, where the extract ends). Orders not yet due are pending: null outcomes, no penalty.
-- - Perfect order (SCOR RL.1.1 perfect order fulfillment), components from what the sources
--   hold: on time to the promised date (SCOR's customer commit date), in full, damage free
--   (no line returned as DAMAGED or WRONG_ITEM), and invoice accurate (exactly one invoice for
--   the order, in the order's currency, for the order's shipped value to the cent: the finance
--   extract holds no dispute flag). Null while a component is unknown (pending, untrusted or
--   missing dates, or not invoiced yet).
-- - Order cycle time: days from the order date to the last delivery, for orders delivered in
--   full with trusted dates.
-- Returns and invoices arrive after the order month, so the table is rebuilt whole on every
-- run (not partitioned): an earlier month's outcomes follow the newest returns and invoices.
-- @column order_id: ERP sales order.
-- @column customer_key: Golden customer of the order (mdm.crosswalk).
-- @column order_date: Date the order was placed.
-- @column order_month: First day of the order's month.
-- @column requested_delivery_date: Delivery date the customer requested; null when missing or
--     before the order date (untrusted).
-- @column promised_date: Latest promised date over the order's lines; null when any line has
--     none.
-- @column lines: Order lines (count).
-- @column lines_in_full: Lines shipped at least their ordered quantity (count).
-- @column ordered_units: Units ordered over the order's lines.
-- @column filled_units: Units shipped, each line capped at its ordered quantity (an
--     over-shipment does not make up for a short line).
-- @column shipped_value: Value shipped at the net unit price (currency).
-- @column delivered_date: Last delivery of the order when every line is delivered with trusted
--     dates; null otherwise.
-- @column has_untrusted_delivery_date: Some shipment of the order is delivered before it was
--     shipped.
-- @column is_measured: The order is closed or due (see above); outcomes are null otherwise.
-- @column is_on_time_requested: Every line delivered on or before the requested date; null
--     when pending, with no requested date or with an untrusted delivery date.
-- @column is_on_time_promised: Every line delivered on or before its own promised date; null
--     when pending, when a line has no promised date or with an untrusted delivery date.
-- @column is_in_full: Every line shipped at least its ordered quantity; null when pending.
-- @column is_otif_requested: is_on_time_requested and is_in_full (null when either is unknown
--     and neither is false).
-- @column is_otif_promised: is_on_time_promised and is_in_full (same null rule).
-- @column is_damage_free: No line of the order returned as DAMAGED or WRONG_ITEM (returns known
--     by the extract); null when pending.
-- @column is_invoice_accurate: Exactly one invoice, in the order's currency, for the shipped
--     value to the cent; null when pending or not invoiced yet.
-- @column is_perfect_order: On time to the promised date, in full, damage free and invoice
--     accurate; false when any component is false, null when one is unknown.
-- @column cycle_time_days: Days from order_date to delivered_date for orders delivered in full
--     with trusted dates; null otherwise.
with

order_lines as (
    select * from marts.fct_order_lines
),

shipment_lines as (
    select * from intermediate.int_shipment_lines_freight_allocated
),

returns as (
    select * from staging.stg_erp__returns
),

invoices as (
    select * from staging.stg_finance__invoices
),

orders as (
    select * from staging.stg_erp__orders
),

horizon as (
    select max(order_date) as data_through
    from order_lines
),

line_deliveries as (
    select
        order_line_id,
        max(delivery_date) as last_delivery_date,
        count(*) = count(delivery_date) as is_delivered,
        bool_or(is_delivery_before_ship) as has_untrusted_date,
    from shipment_lines
    group by order_line_id
),

damaged_lines as (
    select distinct order_line_id
    from returns
    where reason_code in ('DAMAGED', 'WRONG_ITEM')
),

order_invoices as (
    select
        order_id,
        count(*) as invoices,
        sum(amount) as invoiced_amount,
        min(currency) as currency,
        count(distinct currency) as currencies,
    from invoices
    group by order_id
),

lines as (
    select
        order_lines.order_id,
        order_lines.customer_key,
        order_lines.order_date,
        order_lines.order_month,
        case
            when not order_lines.is_requested_before_order
                then order_lines.requested_delivery_date
        end as requested_delivery_date,
        order_lines.promised_date,
        order_lines.quantity_ordered,
        order_lines.quantity_shipped,
        order_lines.shipped_revenue,
        order_lines.quantity_shipped >= order_lines.quantity_ordered as is_line_in_full,
        case
            when coalesce(line_deliveries.is_delivered, false)
                and not line_deliveries.has_untrusted_date
                then line_deliveries.last_delivery_date
        end as line_delivered_date,
        coalesce(line_deliveries.has_untrusted_date, false) as has_untrusted_date,
        damaged_lines.order_line_id is not null as is_damaged,
    from order_lines
    left join line_deliveries
        on order_lines.order_line_id = line_deliveries.order_line_id
    left join damaged_lines
        on order_lines.order_line_id = damaged_lines.order_line_id
),

line_timeliness as (
    select
        lines.*,
        -- Delivered by the date: true, delivered after it: false, not delivered yet: false
        -- once the date is before the horizon, unknown before.
        case
            when lines.has_untrusted_date or lines.requested_delivery_date is null then null
            when lines.line_delivered_date is not null
                then lines.line_delivered_date <= lines.requested_delivery_date
            when lines.requested_delivery_date < horizon.data_through then false
        end as is_line_on_time_requested,
        case
            when lines.has_untrusted_date or lines.promised_date is null then null
            when lines.line_delivered_date is not null
                then lines.line_delivered_date <= lines.promised_date
            when lines.promised_date < horizon.data_through then false
        end as is_line_on_time_promised,
    from lines
    cross join horizon
),

order_outcomes as (
    select
        order_id,
        customer_key,
        order_date,
        order_month,
        max(requested_delivery_date) as requested_delivery_date,
        case when count(promised_date) = count(*) then max(promised_date) end as promised_date,
        count(*) as lines,
        count(*) filter (where is_line_in_full) as lines_in_full,
        sum(quantity_ordered) as ordered_units,
        sum(least(quantity_shipped, quantity_ordered)) as filled_units,
        sum(shipped_revenue) as shipped_value,
        case
            when count(line_delivered_date) = count(*) then max(line_delivered_date)
        end as delivered_date,
        bool_or(has_untrusted_date) as has_untrusted_delivery_date,
        bool_or(is_damaged) as has_damaged_line,
        -- Order on time: false when any line is late, unknown when any line is unknown.
        case
            when count(*) filter (where not is_line_on_time_requested) > 0 then false
            when count(is_line_on_time_requested) = count(*) then true
        end as is_on_time_requested,
        case
            when count(*) filter (where not is_line_on_time_promised) > 0 then false
            when count(is_line_on_time_promised) = count(*) then true
        end as is_on_time_promised,
        bool_and(is_line_in_full) as is_all_in_full,
    from line_timeliness
    group by order_id, customer_key, order_date, order_month
),

measured as (
    select
        order_outcomes.*,
        order_outcomes.delivered_date is not null
        or coalesce(order_outcomes.requested_delivery_date, order_outcomes.promised_date)
        < horizon.data_through as is_measured,
        -- Unknown until the order is invoiced.
        case
            when order_invoices.order_id is not null
                then order_invoices.invoices = 1
                and order_invoices.currencies = 1
                and order_invoices.currency = orders.currency
                and order_invoices.invoiced_amount = order_outcomes.shipped_value
        end as is_invoiced_accurately,
    from order_outcomes
    cross join horizon
    left join order_invoices
        on order_outcomes.order_id = order_invoices.order_id
    left join orders
        on order_outcomes.order_id = orders.order_id
),

final as (
    select
        order_id,
        customer_key,
        order_date,
        order_month,
        requested_delivery_date,
        promised_date,
        lines,
        lines_in_full,
        ordered_units,
        filled_units,
        shipped_value,
        delivered_date,
        has_untrusted_delivery_date,
        is_measured,
        case when is_measured then is_on_time_requested end as is_on_time_requested,
        case when is_measured then is_on_time_promised end as is_on_time_promised,
        case when is_measured then is_all_in_full end as is_in_full,
        case
            when not is_measured then null
            when is_on_time_requested = false or not is_all_in_full then false
            when is_on_time_requested then true
        end as is_otif_requested,
        case
            when not is_measured then null
            when is_on_time_promised = false or not is_all_in_full then false
            when is_on_time_promised then true
        end as is_otif_promised,
        case when is_measured then not has_damaged_line end as is_damage_free,
        case when is_measured then is_invoiced_accurately end as is_invoice_accurate,
        case
            when not is_measured then null
            when is_on_time_promised = false
                or not is_all_in_full
                or has_damaged_line
                or is_invoiced_accurately = false
                then false
            when is_on_time_promised and is_invoiced_accurately then true
        end as is_perfect_order,
        case
            when is_all_in_full and delivered_date is not null
                then date_diff('day', order_date, delivered_date)
        end as cycle_time_days,
    from measured
)

select * from final
