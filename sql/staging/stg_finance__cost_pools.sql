-- Monthly cost pools from the general ledger (picking, packing, storage, transport overhead,
-- customer service, returns handling, credit carrying). Rows with no ID, a repeated ID, no
-- month or no amount are quarantined.
with

cost_pools as (
    select * from raw.finance__cost_pools
),

cleaned as (
    select
        upper(trim(cost_pool_id)) as cost_pool_id,
        cast(date_trunc('month', month) as date) as cost_month,
        lower(trim(cost_pool)) as cost_pool,
        amount,
        upper(trim(currency)) as currency,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(cost_pool_id))) as first_source_row,
    from cost_pools
),

final as (
    select
        * exclude (first_source_row),
        case
            when cost_pool_id is null or cost_pool_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when cost_month is null then 'missing_month'
            when amount is null then 'missing_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
