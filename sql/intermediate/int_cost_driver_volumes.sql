-- Monthly volume of each cost driver per object that carries it, the denominators of
-- activity-based cost-to-serve. One row per cost_month x cost_driver x object (allocated_to,
-- object_id) with its golden customer_key, order_id / order_line_id where they apply, the
-- driver_quantity and the source_records behind it:
--   pick_events (order_line): WMS pick events timed in the month, counted per order line.
--   packed_units (order_line): units of the WMS pack events timed in the month, shared among
--     the lines of the packed shipment by quantity shipped.
--   pallet_days (customer): WMS pallet-days of the month per customer (ERP ID via mdm.crosswalk).
--   shipped_weight_kg (order_line): TMS weight of shipments shipped in the month, shared among
--     its lines by the same shares as freight (int_shipment_lines_freight_allocated: line
--     weight, else units).
--   orders (order): ERP orders dated in the month with at least one line, 1 each.
--   returns (order_line): ERP returns dated in the month, counted per returned order line.
--   receivable_days (invoice): invoice amount x days of the month it was outstanding, from the
--     invoice date up to the payment date (not counted), an open invoice to the month end;
--     customer from the billing account (mdm.crosswalk), order_id as invoiced. Computed for each
--     month with a cost pool (staging.stg_finance__cost_pools).
-- ERP customer IDs map to golden customers through mdm.crosswalk, as in marts.fct_order_lines.
-- Quantities are decimals (6 places) so that sums are exact and a rerun gives identical
-- rates. Volume on objects with no golden customer (events on quarantined order lines, unmapped
-- customers) is left out, so those costs are borne by the attributable volume.
-- Partitioned by cost month.
-- @partition_column: cost_month
with

activity as (
    select * from staging.stg_wms__activity
    where
        cast(activity_ts as date) >= $month_start
        and cast(activity_ts as date) < $month_end
),

storage as (
    select * from staging.stg_wms__storage
    where storage_month >= $month_start and storage_month < $month_end
),

shipments as (
    select * from staging.stg_tms__shipments
    where ship_date >= $month_start and ship_date < $month_end
),

shipment_lines as (
    select * from staging.stg_tms__shipment_lines
),

shipment_line_shares as (
    select * from intermediate.int_shipment_lines_freight_allocated
),

orders as (
    select * from staging.stg_erp__orders
),

order_lines as (
    select * from staging.stg_erp__order_lines
),

returns as (
    select * from staging.stg_erp__returns
    where return_date >= $month_start and return_date < $month_end
),

invoices as (
    select * from staging.stg_finance__invoices
),

cost_pools as (
    select * from staging.stg_finance__cost_pools
    where cost_month >= $month_start and cost_month < $month_end
),

crosswalk as (
    select * from mdm.crosswalk
),

customer_lines as (
    select
        order_lines.order_line_id,
        order_lines.order_id,
        crosswalk.customer_key,
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    inner join crosswalk
        on crosswalk.record_id = 'erp:' || orders.customer_id
),

picks as (
    select
        cast(date_trunc('month', cast(activity.activity_ts as date)) as date) as cost_month,
        'pick_events' as cost_driver,
        'order_line' as allocated_to,
        customer_lines.order_line_id as object_id,
        customer_lines.customer_key,
        customer_lines.order_id,
        customer_lines.order_line_id,
        cast(count(*) as decimal(38, 6)) as driver_quantity,
        count(*) as source_records,
    from activity
    inner join customer_lines
        on activity.order_line_id = customer_lines.order_line_id
    where activity.activity_type = 'pick'
    group by all
),

shipment_quantities as (
    select
        shipment_id,
        order_line_id,
        quantity_shipped,
        sum(quantity_shipped) over (partition by shipment_id) as shipment_quantity,
    from shipment_lines
),

packs as (
    select
        cast(date_trunc('month', cast(activity.activity_ts as date)) as date) as cost_month,
        'packed_units' as cost_driver,
        'order_line' as allocated_to,
        customer_lines.order_line_id as object_id,
        customer_lines.customer_key,
        customer_lines.order_id,
        customer_lines.order_line_id,
        sum(
            cast(
                cast(activity.units as double)
                * shipment_quantities.quantity_shipped
                / shipment_quantities.shipment_quantity
                as decimal(38, 6)
            )
        ) as driver_quantity,
        count(*) as source_records,
    from activity
    inner join shipment_quantities
        on activity.shipment_id = shipment_quantities.shipment_id
    inner join customer_lines
        on shipment_quantities.order_line_id = customer_lines.order_line_id
    where activity.activity_type = 'pack'
    group by all
),

pallets as (
    select
        storage.storage_month as cost_month,
        'pallet_days' as cost_driver,
        'customer' as allocated_to,
        crosswalk.customer_key as object_id,
        crosswalk.customer_key,
        cast(null as varchar) as order_id,
        cast(null as varchar) as order_line_id,
        sum(cast(storage.pallet_days as decimal(38, 6))) as driver_quantity,
        count(*) as source_records,
    from storage
    inner join crosswalk
        on crosswalk.record_id = 'erp:' || storage.source_customer_id
    group by all
),

shipped_weight as (
    select
        cast(date_trunc('month', shipments.ship_date) as date) as cost_month,
        'shipped_weight_kg' as cost_driver,
        'order_line' as allocated_to,
        customer_lines.order_line_id as object_id,
        customer_lines.customer_key,
        customer_lines.order_id,
        customer_lines.order_line_id,
        sum(
            cast(shipments.weight_kg * shipment_line_shares.freight_share as decimal(38, 6))
        ) as driver_quantity,
        count(*) as source_records,
    from shipments
    inner join shipment_line_shares
        on shipments.shipment_id = shipment_line_shares.shipment_id
    inner join customer_lines
        on shipment_line_shares.order_line_id = customer_lines.order_line_id
    group by all
),

orders_placed as (
    select
        orders.order_month as cost_month,
        'orders' as cost_driver,
        'order' as allocated_to,
        orders.order_id as object_id,
        min(customer_lines.customer_key) as customer_key,
        orders.order_id,
        cast(null as varchar) as order_line_id,
        cast(1 as decimal(38, 6)) as driver_quantity,
        1 as source_records,
    from orders
    inner join customer_lines
        on orders.order_id = customer_lines.order_id
    where orders.order_date >= $month_start and orders.order_date < $month_end
    group by orders.order_month, orders.order_id
),

returned as (
    select
        cast(date_trunc('month', returns.return_date) as date) as cost_month,
        'returns' as cost_driver,
        'order_line' as allocated_to,
        customer_lines.order_line_id as object_id,
        customer_lines.customer_key,
        customer_lines.order_id,
        customer_lines.order_line_id,
        cast(count(*) as decimal(38, 6)) as driver_quantity,
        count(*) as source_records,
    from returns
    inner join customer_lines
        on returns.order_line_id = customer_lines.order_line_id
    group by all
),

pool_months as (
    select distinct
        cost_month,
        cast(cost_month + interval 1 month as date) as next_month,
    from cost_pools
),

invoice_days as (
    select
        pool_months.cost_month,
        invoices.invoice_id,
        invoices.order_id,
        crosswalk.customer_key,
        invoices.amount,
        date_diff(
            'day',
            greatest(invoices.invoice_date, pool_months.cost_month),
            least(coalesce(invoices.payment_date, pool_months.next_month), pool_months.next_month)
        ) as days_outstanding,
    from invoices
    inner join pool_months
        on invoices.invoice_date < pool_months.next_month
        and (invoices.payment_date is null or invoices.payment_date > pool_months.cost_month)
    inner join crosswalk
        on crosswalk.record_id = 'finance:' || invoices.billing_account_id
),

receivables as (
    select
        cost_month,
        'receivable_days' as cost_driver,
        'invoice' as allocated_to,
        invoice_id as object_id,
        customer_key,
        order_id,
        cast(null as varchar) as order_line_id,
        cast(amount * days_outstanding as decimal(38, 6)) as driver_quantity,
        1 as source_records,
    from invoice_days
    where days_outstanding > 0 and amount > 0
),

unioned as (
    select * from picks
    union all
    select * from packs
    union all
    select * from pallets
    union all
    select * from shipped_weight
    union all
    select * from orders_placed
    union all
    select * from returned
    union all
    select * from receivables
),

final as (
    select
        cost_month,
        cost_driver,
        allocated_to,
        object_id,
        customer_key,
        order_id,
        order_line_id,
        cast(driver_quantity as decimal(38, 6)) as driver_quantity,
        cast(source_records as bigint) as source_records,
    from unioned
    where driver_quantity > 0
)

select * from final
