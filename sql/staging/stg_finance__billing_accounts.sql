-- Finance billing accounts with their own IDs and spellings of customer names. Accounts with
-- no ID or a repeated ID are quarantined.
with

billing_accounts as (
    select * from raw.finance__billing_accounts
),

cleaned as (
    select
        upper(trim(billing_account_id)) as billing_account_id,
        trim(billing_name) as billing_name,
        nullif(upper(trim(tax_id)), '') as tax_id,
        trim(city) as city,
        trim(postcode) as postcode,
        upper(trim(country)) as country,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(billing_account_id))) as first_source_row,
    from billing_accounts
),

final as (
    select
        * exclude (first_source_row),
        case
            when billing_account_id is null or billing_account_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
        end as quarantine_rule,
    from cleaned
)

select * from final
