-- ERP products with list price, standard cost, unit weight and pallet size. Products without an
-- ID, repeating an earlier ID, or with a negative price or cost are quarantined.
with

products as (
    select * from raw.erp__products
),

cleaned as (
    select
        upper(trim(product_id)) as product_id,
        trim(product_name) as product_name,
        lower(trim(category)) as category,
        unit_price,
        unit_cost,
        unit_weight_kg,
        units_per_pallet,
        launched_on,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(product_id))) as first_source_row,
    from products
),

final as (
    select
        * exclude (first_source_row),
        case
            when product_id is null or product_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when unit_price < 0 or unit_cost < 0 or unit_weight_kg < 0 then 'negative_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
