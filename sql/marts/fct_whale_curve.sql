-- The whale curve: golden customers ranked by net margin over the last whale_curve_months
-- months of data (settings.profitability), most profitable first, with the cumulative net
-- margin after each. It rises while customers add profit, peaks where unprofitable customers
-- begin and falls to the total: the peak over the total shows how much profit the
-- unprofitable customers give back. Ties in net margin rank by customer_key.
-- @column profit_rank: 1 for the most profitable customer.
-- @column net_margin: the customer's net margin over the window (EUR).
-- @column cumulative_net_margin: net margin of this customer and all ranked above it (EUR).
-- @column customer_share: profit_rank / customers ranked.
-- @column cumulative_profit_share: cumulative_net_margin / the total net margin of all customers.
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column window_last_month: Last month of the window the curve covers.
-- @column net_revenue: the customer's net revenue over the window (EUR).
with

customer_pnl as (
    select * from marts.fct_customer_profitability_months
),

settings as (
    select * from settings.profitability
),

window_end as (
    select max(month) as last_month from customer_pnl
),

in_window as (
    select
        customer_pnl.customer_key,
        window_end.last_month,
        sum(customer_pnl.net_revenue) as net_revenue,
        sum(customer_pnl.net_margin) as net_margin,
    from customer_pnl
    cross join window_end
    cross join settings
    where customer_pnl.month > window_end.last_month - to_months(settings.whale_curve_months)
    group by customer_pnl.customer_key, window_end.last_month
),

ranked as (
    select
        *,
        row_number() over (order by net_margin desc, customer_key) as profit_rank,
        count(*) over () as customers,
        sum(net_margin) over () as total_net_margin,
    from in_window
),

final as (
    select
        customer_key,
        last_month as window_last_month,
        profit_rank,
        net_revenue,
        net_margin,
        sum(net_margin) over (
            order by profit_rank rows between unbounded preceding and current row
        ) as cumulative_net_margin,
        cast(profit_rank as double) / customers as customer_share,
        case when total_net_margin <> 0
            then cast(
                sum(net_margin) over (
                    order by profit_rank rows between unbounded preceding and current row
                ) as double
            ) / cast(total_net_margin as double)
        end as cumulative_profit_share,
    from ranked
)

select * from final
