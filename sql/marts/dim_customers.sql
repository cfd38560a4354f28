-- Customers as the ERP knows them, one row per ERP customer ID (duplicates across systems are
-- resolved later by master data). Includes the ERP's parent link where the ERP has one.
with

customers as (
    select * from staging.stg_erp__customers
),

final as (
    select
        customer_id,
        customer_match_key,
        customer_name,
        tax_id,
        street,
        city,
        postcode,
        country,
        region,
        parent_customer_id,
        customer_since,
        payment_terms_days,
    from customers
)

select * from final
