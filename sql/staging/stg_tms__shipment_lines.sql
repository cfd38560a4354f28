-- Quantity of each order line carried on each shipment. Rows with no ID, a repeated ID, a
-- shipped quantity of zero or less, or a shipment not in staging are quarantined.
with

shipment_lines as (
    select * from raw.tms__shipment_lines
),

shipments as (
    select * from staging.stg_tms__shipments
),

cleaned as (
    select
        upper(trim(shipment_line_id)) as shipment_line_id,
        upper(trim(shipment_id)) as shipment_id,
        upper(trim(order_line_id)) as order_line_id,
        quantity_shipped,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(shipment_line_id))) as first_source_row,
    from shipment_lines
),

final as (
    select
        cleaned.* exclude (first_source_row),
        case
            when cleaned.shipment_line_id is null or cleaned.shipment_line_id = ''
                then 'missing_key'
            when cleaned._source_row > cleaned.first_source_row then 'duplicate_key'
            when cleaned.quantity_shipped is null or cleaned.quantity_shipped <= 0
                then 'nonpositive_quantity'
            when shipments.shipment_id is null then 'unknown_shipment'
        end as quarantine_rule,
    from cleaned
    left join shipments
        on cleaned.shipment_id = shipments.shipment_id
)

select * from final
