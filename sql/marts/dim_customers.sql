-- Customers as the ERP knows them, one row per ERP customer ID (duplicates across systems are
-- resolved later by master data). Includes the ERP's parent link where the ERP has one.
with

customers as (
    select * from staging.stg_erp__customers
),

final as (
    select * exclude (_source_file, _source_row)
    from customers
)

select * from final
