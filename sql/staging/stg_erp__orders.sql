-- ERP sales order headers. The ordering customer's ID is matched to the ERP customer master:
-- exactly if it can be, else through its match key, so lower-case, padded or zero-stripped
-- spellings resolve to the canonical ID (source_customer_id keeps what the ERP sent). Orders
-- with no ID, a repeated ID, no order date, an order date after today, a customer that does not
-- exist, or a spelling that fits several customers are quarantined; a requested delivery date
-- before the order date is kept but flagged.
with

orders as (
    select * from raw.erp__orders
),

customers as (
    select * from staging.stg_erp__customers
),

match_keys as (
    select
        customer_match_key,
        count(*) as candidates,
        min(customer_id) as customer_id,
    from customers
    where customer_match_key is not null
    group by customer_match_key
),

cleaned as (
    select
        upper(trim(order_id)) as order_id,
        customer_id as source_customer_id,
        upper(trim(customer_id)) as customer_id_upper,
        order_date,
        cast(date_trunc('month', order_date) as date) as order_month,
        requested_delivery_date,
        coalesce(requested_delivery_date < order_date, false) as is_requested_before_order,
        upper(trim(channel)) as channel,
        upper(trim(currency)) as currency,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(order_id))) as first_source_row,
    from orders
),

matched as (
    select
        cleaned.*,
        coalesce(
            customers.customer_id,
            case when match_keys.candidates = 1 then match_keys.customer_id end
        ) as customer_id,
        coalesce(match_keys.candidates, 0) as match_key_candidates,
    from cleaned
    left join customers
        on cleaned.customer_id_upper = customers.customer_id
    left join match_keys
        on regexp_extract(cleaned.customer_id_upper, '^([A-Z]*)', 1)
        || cast(try_cast(regexp_extract(cleaned.customer_id_upper, '([0-9]+)$', 1) as bigint)
            as varchar)
        = match_keys.customer_match_key
),

final as (
    select
        * exclude (first_source_row, customer_id_upper, match_key_candidates),
        case
            when order_id is null or order_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when order_date is null then 'missing_order_date'
            when order_date > current_date then 'future_date'
            when customer_id_upper is null or customer_id_upper = '' then 'missing_customer_id'
            when customer_id is null and match_key_candidates > 1 then 'ambiguous_customer'
            when customer_id is null then 'unknown_customer'
        end as quarantine_rule,
    from matched
)

select * from final
