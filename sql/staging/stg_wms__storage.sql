-- Monthly pallet-days of dedicated stock per customer and warehouse: the driver of storage
-- cost. Rows with no ID, a repeated ID, no month or negative pallet-days are quarantined.
with

storage as (
    select * from raw.wms__storage
),

cleaned as (
    select
        upper(trim(storage_id)) as storage_id,
        cast(date_trunc('month', month) as date) as storage_month,
        upper(trim(warehouse_id)) as warehouse_id,
        upper(trim(customer_id)) as source_customer_id,
        pallet_days,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(storage_id))) as first_source_row,
    from storage
),

final as (
    select
        * exclude (first_source_row),
        case
            when storage_id is null or storage_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when storage_month is null then 'missing_month'
            when pallet_days < 0 then 'negative_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
