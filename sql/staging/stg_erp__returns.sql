-- Customer returns against ERP order lines, with the credited amount. Returns with no ID, a
-- repeated ID, a return date after today, a returned quantity of zero or less, or an order line
-- not in staging are quarantined.
with

returns as (
    select * from raw.erp__returns
),

order_lines as (
    select * from staging.stg_erp__order_lines
),

cleaned as (
    select
        upper(trim(return_id)) as return_id,
        upper(trim(order_line_id)) as order_line_id,
        upper(trim(customer_id)) as source_customer_id,
        return_date,
        quantity_returned,
        upper(trim(reason_code)) as reason_code,
        credit_amount,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(return_id))) as first_source_row,
    from returns
),

final as (
    select
        cleaned.* exclude (first_source_row),
        case
            when cleaned.return_id is null or cleaned.return_id = '' then 'missing_key'
            when cleaned._source_row > cleaned.first_source_row then 'duplicate_key'
            when cleaned.return_date > current_date then 'future_date'
            when cleaned.quantity_returned is null or cleaned.quantity_returned <= 0
                then 'nonpositive_quantity'
            when order_lines.order_line_id is null then 'unknown_order_line'
        end as quarantine_rule,
    from cleaned
    left join order_lines
        on cleaned.order_line_id = order_lines.order_line_id
)

select * from final
