-- ERP sales order lines: ordered quantity, net unit price and promised date. Lines with no ID,
-- a repeated ID (duplicate extracts), a quantity of zero or less, no price, an order that is
-- not in staging (unknown or itself quarantined) or an unknown product are quarantined.
with

order_lines as (
    select * from raw.erp__order_lines
),

orders as (
    select * from staging.stg_erp__orders
),

products as (
    select * from staging.stg_erp__products
),

cleaned as (
    select
        upper(trim(order_line_id)) as order_line_id,
        upper(trim(order_id)) as order_id,
        line_number,
        upper(trim(product_id)) as product_id,
        quantity_ordered,
        unit_price,
        promised_date,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(order_line_id))) as first_source_row,
    from order_lines
),

final as (
    select
        cleaned.* exclude (first_source_row),
        case
            when cleaned.order_line_id is null or cleaned.order_line_id = '' then 'missing_key'
            when cleaned._source_row > cleaned.first_source_row then 'duplicate_key'
            when cleaned.quantity_ordered is null or cleaned.quantity_ordered <= 0
                then 'nonpositive_quantity'
            when cleaned.unit_price is null or cleaned.unit_price < 0 then 'invalid_unit_price'
            when orders.order_id is null then 'unknown_order'
            when products.product_id is null then 'unknown_product'
        end as quarantine_rule,
    from cleaned
    left join orders
        on cleaned.order_id = orders.order_id
    left join products
        on cleaned.product_id = products.product_id
)

select * from final
