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
        row_number() over (partition by upper(trim(cost_pool_id)) order by _source_row)
            as occurrence,
    from cost_pools
),

final as (
    select
        * exclude (occurrence),
        case
            when cost_pool_id is null or cost_pool_id = '' then 'missing_key'
            when occurrence > 1 then 'duplicate_key'
            when cost_month is null then 'missing_month'
            when amount is null then 'missing_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
