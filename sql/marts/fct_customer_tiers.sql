-- Top-down customer tiers per golden customer per as-of month, from its history in
-- marts.fct_customer_features (the features' rolling window): the tier rules of
-- settings.customer_tiers are tried in priority order and the first whose conditions all hold
-- places the customer; a null condition always holds. tier_rule records the rule that placed
-- it, in words. A customer no rule fits (no catch-all configured) keeps a row with a null tier
-- and the rule 'no tier rule matched'. Partitioned by as-of month.
-- @partition_column: as_of_month
-- @column net_margin: revenue - cost_of_goods - cost_to_serve over the window (currency).
-- @column cost_to_serve_pct_revenue: cost_to_serve / revenue over the window (null when revenue
--     is not positive, which fails any cost-to-serve condition).
-- @column tier: The tier name from settings.customer_tiers.
-- @column tier_priority: The placing rule's priority (1 is tried first).
-- @column tier_rule: The placing rule: its tier and conditions, e.g. 'Gold: net margin >= 2000
--     and cost to serve <= 0.25 of revenue'.
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column as_of_month: Month the tier is for: the last month of the features' window.
with

features as (
    select * from marts.fct_customer_features
    where as_of_month >= $month_start and as_of_month < $month_end
),

tier_rules as (
    select * from settings.customer_tiers
),

customers as (
    select
        customer_key,
        as_of_month,
        revenue - cost_of_goods - cost_to_serve as net_margin,
        cost_to_serve_pct_revenue,
    from features
),

described_rules as (
    select
        *,
        tier || ': ' || coalesce(
            nullif(
                concat_ws(
                    ' and ',
                    case when min_net_margin is not null
                        then 'net margin >= ' || cast(min_net_margin as varchar)
                    end,
                    case when max_cost_to_serve_pct is not null
                        then 'cost to serve <= ' || cast(max_cost_to_serve_pct as varchar)
                        || ' of revenue'
                    end
                ),
                ''
            ),
            'every customer'
        ) as tier_rule,
    from tier_rules
),

fitting_rules as (
    select
        customers.customer_key,
        customers.as_of_month,
        described_rules.tier,
        described_rules.priority as tier_priority,
        described_rules.tier_rule,
    from customers
    inner join described_rules
        on (
            described_rules.min_net_margin is null
            or customers.net_margin >= described_rules.min_net_margin
        )
        and (
            described_rules.max_cost_to_serve_pct is null
            or customers.cost_to_serve_pct_revenue <= described_rules.max_cost_to_serve_pct
        )
),

first_fit as (
    select *
    from fitting_rules
    qualify row_number() over (
        partition by customer_key, as_of_month order by tier_priority
    ) = 1
),

final as (
    select
        customers.customer_key,
        customers.as_of_month,
        customers.net_margin,
        customers.cost_to_serve_pct_revenue,
        first_fit.tier,
        first_fit.tier_priority,
        coalesce(first_fit.tier_rule, 'no tier rule matched') as tier_rule,
    from customers
    left join first_fit
        on customers.customer_key = first_fit.customer_key
        and customers.as_of_month = first_fit.as_of_month
)

select * from final
