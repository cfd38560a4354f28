-- CRM accounts as the CRM spells them: its own account IDs, names, contact fields and a
-- free-text parent company. Matching them to ERP customers is the master-data layer's job.
-- Accounts with no ID or a repeated ID are quarantined.
with

accounts as (
    select * from raw.crm__accounts
),

cleaned as (
    select
        upper(trim(account_id)) as account_id,
        trim(account_name) as account_name,
        nullif(upper(trim(tax_id)), '') as tax_id,
        trim(street) as street,
        trim(city) as city,
        trim(postcode) as postcode,
        upper(trim(country)) as country,
        trim(phone) as phone,
        lower(trim(email_domain)) as email_domain,
        lower(trim(industry)) as industry,
        nullif(trim(parent_company_name), '') as parent_company_name,
        nullif(upper(trim(erp_customer_ref)), '') as erp_customer_ref,
        created_on,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(account_id))) as first_source_row,
    from accounts
),

final as (
    select
        * exclude (first_source_row),
        case
            when account_id is null or account_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
        end as quarantine_rule,
    from cleaned
)

select * from final
