-- Golden customer records: one row per customer_key, each attribute taken from the record
-- that is trusted for it (survivorship), with the source IDs that make up the customer.
--   customer_name, street, city, postcode, country, payment_terms_days: the ERP record,
--     oldest first (the original account, not a later duplicate); else the oldest CRM
--     account; else the finance billing account.
--   tax_id: finance first (accounts receivable invoices on it), then ERP, then CRM; the first
--     non-null, written without spaces in capitals.
--   phone, email_domain, industry: the most recently created CRM account that has one.
--   customer_since: the earliest creation date of any of its records.
with

crosswalk as (
    select * from mdm.crosswalk
),

source_records as (
    select * from mdm.customer_source_records
),

ranked as (
    select
        crosswalk.customer_key,
        source_records.source_system,
        source_records.source_id,
        source_records.name,
        upper(regexp_replace(source_records.tax_id, '[^A-Za-z0-9]', '', 'g')) as tax_id,
        source_records.street,
        source_records.city,
        source_records.postcode,
        source_records.country,
        source_records.phone,
        source_records.email_domain,
        source_records.industry,
        source_records.payment_terms_days,
        source_records.record_date,
        case source_records.source_system when 'erp' then '1' when 'crm' then '2' else '3' end
        || coalesce(strftime(source_records.record_date, '%Y%m%d'), '99999999')
        || source_records.source_id as erp_oldest_first,
        case source_records.source_system when 'finance' then '1' when 'erp' then '2' else '3' end
        || source_records.source_id as finance_first,
        coalesce(strftime(source_records.record_date, '%Y%m%d'), '00000000')
        || source_records.source_id as created_order,
    from crosswalk
    inner join source_records
        on crosswalk.record_id = source_records.record_id
),

final as (
    select
        customer_key,
        arg_min(name, erp_oldest_first) filter (where name is not null) as customer_name,
        arg_min(tax_id, finance_first) filter (where tax_id is not null and tax_id <> '')
            as tax_id,
        arg_min(street, erp_oldest_first) filter (where street is not null) as street,
        arg_min(city, erp_oldest_first) filter (where city is not null) as city,
        arg_min(postcode, erp_oldest_first) filter (where postcode is not null) as postcode,
        arg_min(country, erp_oldest_first) filter (where country is not null) as country,
        arg_max(phone, created_order) filter (
            where source_system = 'crm' and phone is not null
        ) as phone,
        arg_max(email_domain, created_order) filter (
            where source_system = 'crm' and email_domain is not null
        ) as email_domain,
        arg_max(industry, created_order) filter (
            where source_system = 'crm' and industry is not null
        ) as industry,
        arg_min(payment_terms_days, erp_oldest_first) filter (
            where payment_terms_days is not null
        ) as payment_terms_days,
        min(record_date) as customer_since,
        string_agg(source_id, ', ' order by source_id) filter (where source_system = 'erp')
            as erp_customer_ids,
        string_agg(source_id, ', ' order by source_id) filter (where source_system = 'crm')
            as crm_account_ids,
        string_agg(source_id, ', ' order by source_id) filter (where source_system = 'finance')
            as billing_account_ids,
        count(*) as source_records,
    from ranked
    group by customer_key
)

select * from final
