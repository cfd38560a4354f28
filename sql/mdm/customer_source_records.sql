-- Every customer record of every system in one shape, the input of matching: ERP customers,
-- CRM accounts and finance billing accounts, each with its system, its own ID and
-- record_id = '<system>:<id>'. Columns a system does not hold are null. erp_customer_ref is an
-- ERP record's own ID and a CRM account's (often sloppily typed) ERP reference;
-- parent_customer_ref is the ERP's parent customer ID and parent_company_name the CRM's free
-- text. record_date is when the record was created (ERP customer since, CRM created on).
with

erp_customers as (
    select * from staging.stg_erp__customers
),

crm_accounts as (
    select * from staging.stg_crm__accounts
),

billing_accounts as (
    select * from staging.stg_finance__billing_accounts
),

erp_records as (
    select
        'erp' as source_system,
        customer_id as source_id,
        customer_name as name,
        tax_id,
        street,
        city,
        postcode,
        country,
        cast(null as varchar) as phone,
        cast(null as varchar) as email_domain,
        cast(null as varchar) as industry,
        customer_id as erp_customer_ref,
        parent_customer_id as parent_customer_ref,
        cast(null as varchar) as parent_company_name,
        payment_terms_days,
        customer_since as record_date,
        _source_file,
        _source_row,
    from erp_customers
),

crm_records as (
    select
        'crm' as source_system,
        account_id as source_id,
        account_name as name,
        tax_id,
        street,
        city,
        postcode,
        country,
        phone,
        email_domain,
        industry,
        erp_customer_ref,
        cast(null as varchar) as parent_customer_ref,
        parent_company_name,
        cast(null as integer) as payment_terms_days,
        created_on as record_date,
        _source_file,
        _source_row,
    from crm_accounts
),

finance_records as (
    select
        'finance' as source_system,
        billing_account_id as source_id,
        billing_name as name,
        tax_id,
        cast(null as varchar) as street,
        city,
        postcode,
        country,
        cast(null as varchar) as phone,
        cast(null as varchar) as email_domain,
        cast(null as varchar) as industry,
        cast(null as varchar) as erp_customer_ref,
        cast(null as varchar) as parent_customer_ref,
        cast(null as varchar) as parent_company_name,
        cast(null as integer) as payment_terms_days,
        cast(null as date) as record_date,
        _source_file,
        _source_row,
    from billing_accounts
),

unioned as (
    select * from erp_records
    union all
    select * from crm_records
    union all
    select * from finance_records
),

final as (
    select
        source_system || ':' || source_id as record_id,
        *,
    from unioned
)

select * from final
