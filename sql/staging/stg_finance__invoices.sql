-- Invoices with due and payment dates (payment_date null while the invoice is open). Invoices
-- with no ID, a repeated ID, no invoice date, an invoice date after today or a negative amount
-- are quarantined.
with

invoices as (
    select * from raw.finance__invoices
),

cleaned as (
    select
        upper(trim(invoice_id)) as invoice_id,
        upper(trim(billing_account_id)) as billing_account_id,
        upper(trim(order_id)) as order_id,
        invoice_date,
        due_date,
        payment_date,
        payment_date is null as is_open,
        amount,
        upper(trim(currency)) as currency,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(invoice_id))) as first_source_row,
    from invoices
),

final as (
    select
        * exclude (first_source_row),
        case
            when invoice_id is null or invoice_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when invoice_date is null then 'missing_invoice_date'
            when invoice_date > current_date then 'future_date'
            when amount < 0 then 'negative_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
