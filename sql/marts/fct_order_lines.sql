-- One row per order line: the order joined to its shipments. Ordered vs shipped quantity,
-- requested, promised and delivered dates, revenue (ordered and shipped value at the net unit
-- price), cost of goods shipped, and freight allocated from shipments to lines by weight.
-- delivered_date is the last delivery of a fully shipped line whose delivery dates are all
-- trusted; freight_cost sums the known freight (null when none of the line's shipments has a
-- freight cost, 0 when nothing shipped) and is_freight_cost_missing marks lines with at least
-- one shipment whose freight cost is missing. customer_key is the golden customer of the
-- order's ERP customer (mdm.crosswalk); customer_id keeps the ERP ID. A line whose customer has
-- no golden customer is quarantined (unmapped_customer). Partitioned by order month.
-- @partition_column: order_month
-- @column order_line_id: ERP order line identifier.
-- @column order_id: ERP sales order the line belongs to.
-- @column line_number: Position of the line in its order.
-- @column customer_key: Golden customer of the order's ERP customer (mdm.crosswalk).
-- @column customer_id: ERP customer ID on the order.
-- @column product_id: ERP product ordered.
-- @column order_date: Date the order was placed.
-- @column order_month: First day of the order's month (the partition).
-- @column channel: Sales channel of the order (e.g. EDI, WEB).
-- @column requested_delivery_date: Delivery date the customer requested for the order.
-- @column is_requested_before_order: The requested delivery date lies before the order date
--     (an untrusted date).
-- @column promised_date: Delivery date promised for the line.
-- @column quantity_ordered: Units ordered.
-- @column quantity_shipped: Units shipped over all of the line's shipments (0 when none).
-- @column unit_price: Net unit price (currency of the order).
-- @column ordered_revenue: quantity_ordered x unit_price.
-- @column shipped_revenue: quantity_shipped x unit_price.
-- @column shipped_cost_of_goods: quantity_shipped x the product's unit cost.
-- @column shipment_count: Distinct shipments that carried the line (0 when none).
-- @column first_ship_date: Ship date of the line's first shipment; null when not shipped.
-- @column delivered_date: Last delivery date of a fully shipped line whose delivery dates are
--     all known; null otherwise.
-- @column is_fully_shipped: quantity_shipped reached quantity_ordered.
-- @column has_untrusted_delivery_date: A shipment of the line was delivered before it shipped.
-- @column freight_cost: Known freight allocated to the line by weight (null when none of its
--     shipments has a freight cost, 0 when nothing shipped).
-- @column is_freight_cost_missing: At least one of the line's shipments has no freight cost
--     yet (imputed later, in the cost-to-serve marts).
-- @column _source_file: Landing file the line was loaded from, relative to the landing root
--     (lineage: system/entity.csv or .parquet).
-- @column _source_row: Data row of the line in that file (lineage).
with

orders as (
    select * from staging.stg_erp__orders
    where order_date >= $month_start and order_date < $month_end
),

order_lines as (
    select * from staging.stg_erp__order_lines
),

products as (
    select * from staging.stg_erp__products
),

shipment_lines as (
    select * from intermediate.int_shipment_lines_freight_allocated
),

crosswalk as (
    select * from mdm.crosswalk
    where source_system = 'erp'
),

shipped as (
    select
        order_line_id,
        sum(quantity_shipped) as quantity_shipped,
        count(distinct shipment_id) as shipment_count,
        min(ship_date) as first_ship_date,
        case when count(delivery_date) = count(*) then max(delivery_date) end
            as last_delivery_date,
        bool_or(is_delivery_before_ship) as has_untrusted_delivery_date,
        sum(freight_cost_allocated) as freight_cost,
        bool_or(is_freight_cost_missing) as is_freight_cost_missing,
    from shipment_lines
    group by order_line_id
),

joined as (
    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        crosswalk.customer_key,
        orders.customer_id,
        order_lines.product_id,
        orders.order_date,
        orders.order_month,
        orders.channel,
        orders.requested_delivery_date,
        orders.is_requested_before_order,
        order_lines.promised_date,
        order_lines.quantity_ordered,
        coalesce(shipped.quantity_shipped, 0) as quantity_shipped,
        order_lines.unit_price,
        order_lines.quantity_ordered * order_lines.unit_price as ordered_revenue,
        coalesce(shipped.quantity_shipped, 0) * order_lines.unit_price as shipped_revenue,
        coalesce(shipped.quantity_shipped, 0) * products.unit_cost as shipped_cost_of_goods,
        coalesce(shipped.shipment_count, 0) as shipment_count,
        shipped.first_ship_date,
        case
            when coalesce(shipped.quantity_shipped, 0) >= order_lines.quantity_ordered
                then shipped.last_delivery_date
        end as delivered_date,
        coalesce(shipped.quantity_shipped, 0) >= order_lines.quantity_ordered
            as is_fully_shipped,
        coalesce(shipped.has_untrusted_delivery_date, false) as has_untrusted_delivery_date,
        case when shipped.order_line_id is null then 0 else shipped.freight_cost end
            as freight_cost,
        coalesce(shipped.is_freight_cost_missing, false) as is_freight_cost_missing,
        order_lines._source_file,
        order_lines._source_row,
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    inner join products
        on order_lines.product_id = products.product_id
    left join shipped
        on order_lines.order_line_id = shipped.order_line_id
    left join crosswalk
        on orders.customer_id = crosswalk.source_id
),

final as (
    select
        *,
        case when customer_key is null then 'unmapped_customer' end as quarantine_rule,
    from joined
)

select * from final
