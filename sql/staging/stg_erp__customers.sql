-- ERP customer accounts, one row per ERP customer ID (still per source ID: master data comes
-- later). IDs are upper-cased and trimmed; customer_match_key (prefix plus the number without
-- leading zeros) lets other systems' sloppy spellings of an ID find it. Rows without an ID or
-- repeating an earlier ID are quarantined.
with

customers as (
    select * from raw.erp__customers
),

cleaned as (
    select
        upper(trim(customer_id)) as customer_id,
        trim(customer_name) as customer_name,
        nullif(upper(trim(tax_id)), '') as tax_id,
        trim(street) as street,
        trim(city) as city,
        trim(postcode) as postcode,
        upper(trim(country)) as country,
        upper(trim(region)) as region,
        nullif(upper(trim(parent_customer_id)), '') as parent_customer_id,
        customer_since,
        payment_terms_days,
        _source_file,
        _source_row,
    from customers
),

keyed as (
    select
        *,
        regexp_extract(customer_id, '^([A-Z]*)', 1)
        || cast(try_cast(regexp_extract(customer_id, '([0-9]+)$', 1) as bigint) as varchar)
            as customer_match_key,
        min(_source_row) over (partition by customer_id) as first_source_row,
    from cleaned
),

final as (
    select
        * exclude (first_source_row),
        case
            when customer_id is null or customer_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
        end as quarantine_rule,
    from keyed
)

select * from final
