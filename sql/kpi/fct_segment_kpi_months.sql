-- Supply-chain KPIs per month for every segment, and the same KPIs by tier, by region and for
-- all customers: one row per month x dimension ('segment', 'tier', 'region', 'all') x member.
-- Every KPI formula lives here, named after its variant; order outcomes come from
-- kpi.fct_order_fulfilment (its header gives the order-level definitions and sources).
-- A customer belongs, in a month, to its segment of that month (segmentation.customer_segments;
-- 'unsegmented' before the first segmented month or when left out), to its tier of that month
-- (marts.fct_customer_tiers; 'untiered' without one) and to its region: the golden customer's
-- country (mdm.dim_customer_golden; the finest geography every source agrees on).
-- Service KPIs count the orders placed in the month (order month) that are measured (closed or
-- due); each rate's denominator is the orders whose outcome is known:
-- - on_time_rate_requested / _promised, in_full_rate, otif_rate_requested / _promised: shares
--   of orders (APICS/ASCM OTIF, order level: every line in full on or before the date);
-- - fill_rate_lines (lines shipped in full / lines), fill_rate_orders (orders shipped in full
--   / orders: the same figure as in_full_rate, OTIF's in-full component), fill_rate_units
--   (units shipped, capped per line at the ordered quantity / units ordered);
-- - perfect_order_rate (SCOR RL.1.1) with its components damage_free_rate and
--   invoice_accuracy_rate (on time to promise and in full above);
-- - cycle_time_days_mean and cycle_time_days_p90: order to last delivery, 90th percentile by
--   the nearest-rank method (the smallest value with at least 90 % of orders at or below it).
-- Money KPIs use the month's rows of the customer marts (APQC-style cost-to-serve ratios):
-- cost to serve on its cost month (marts.fct_customer_profitability_months), orders and
-- shipped units on the order month (marts.fct_customer_months), returns on the return month
-- and receivables and invoices on their month (intermediate.int_customer_service_months).
-- Months run from the first to the last month with orders. GMROI and inventory turns need
-- inventory data, which no source holds yet: they stay null
-- until the inventory issue adds it. Ratios are null when their denominator is zero (or, over
-- revenue, not positive). Rebuilt whole on every run, like kpi.fct_order_fulfilment.
-- @column month: First day of the month the KPIs describe.
-- @column dimension: 'segment', 'tier', 'region' or 'all'.
-- @column member_key: Segment id (as text; 'unsegmented'), tier name ('untiered'), country
--     code ('unknown' when the golden record has none) or 'all'.
-- @column member_name: Segment name in the month (one model version per month), else
--     the member_key.
-- @column customers: Customers with at least one order in the month (count).
-- @column orders: Orders placed in the month (count).
-- @column measured_orders: Orders of the month closed or due (count); the rest are pending.
-- @column on_time_rate_requested: Orders delivered on or before the requested date / orders
--     with a known outcome against it, a fraction.
-- @column on_time_rate_promised: Orders with every line delivered on or before its promised
--     date / orders with a known outcome against it, a fraction.
-- @column in_full_rate: Orders with every line shipped in full / measured orders, a fraction.
-- @column otif_rate_requested: Orders on time to the requested date and in full / orders with a
--     known OTIF outcome, a fraction.
-- @column otif_rate_promised: Orders on time to the promised dates and in full / orders with a
--     known OTIF outcome, a fraction.
-- @column fill_rate_lines: Lines shipped in full / lines of the measured orders, a fraction.
-- @column fill_rate_orders: Orders shipped in full / measured orders, a fraction (equals
--     in_full_rate).
-- @column fill_rate_units: Units shipped (each line capped at its ordered quantity) / units
--     ordered, over the measured orders, a fraction.
-- @column damage_free_rate: Orders with no line returned as DAMAGED or WRONG_ITEM / measured
--     orders, a fraction.
-- @column invoice_accuracy_rate: Orders invoiced once, in their currency, for their shipped
--     value / measured orders already invoiced, a fraction.
-- @column perfect_order_rate: Perfect orders / measured orders with every component known, a
--     fraction.
-- @column cycle_time_days_mean: Mean days from order to last delivery over the month's orders
--     delivered in full with trusted dates.
-- @column cycle_time_days_p90: 90th percentile (nearest rank) of the same days.
-- @column net_revenue: Shipped revenue less return credits of the month (currency).
-- @column cost_to_serve: Activity and freight costs of the month (currency).
-- @column cost_to_serve_per_order: cost_to_serve / orders of the customers' order months
--     (currency per order).
-- @column cost_to_serve_per_unit: cost_to_serve / units shipped against the month's orders
--     (currency per unit).
-- @column cost_to_serve_pct_revenue: cost_to_serve / net_revenue, a fraction.
-- @column gross_margin_pct: (net_revenue - cost_of_goods) / net_revenue, a fraction.
-- @column net_margin_pct: (net_revenue - cost_of_goods - cost_to_serve) / net_revenue, a
--     fraction.
-- @column shipped_units: Units shipped against the month's orders.
-- @column returned_units: Units returned in the month (return month).
-- @column returns_rate_units: returned_units / shipped_units, a fraction (returns and shipments
--     of the same month, not of the same orders).
-- @column receivables: Invoices open at the month's end (currency).
-- @column invoiced_amount: Amount invoiced in the month (currency).
-- @column dso_days: Days sales outstanding, one-month method: receivables / invoiced_amount x
--     days in the month.
-- @column gmroi: Gross margin return on inventory investment: null until inventory data exists.
-- @column inventory_turns: Cost of goods / average inventory at cost: null until inventory data
--     exists.
with

fulfilment as (
    select * from kpi.fct_order_fulfilment
),

customer_segments as (
    select * from segmentation.customer_segments
),

customer_tiers as (
    select * from marts.fct_customer_tiers
),

golden_customers as (
    select * from mdm.dim_customer_golden
),

customer_months as (
    select * from marts.fct_customer_months
),

profitability_months as (
    select * from marts.fct_customer_profitability_months
),

service_months as (
    select * from intermediate.int_customer_service_months
),

activity_months as (
    select * from intermediate.int_customer_activity_months
),

order_month_range as (
    select
        min(order_month) as first_month,
        max(order_month) as last_month,
    from customer_months
),

-- Receivables of unpaid invoices run on past the last month of orders: months outside the
-- order months describe no service and are left out.
customer_month_keys as (
    select activity_months.customer_key, activity_months.month
    from activity_months
    cross join order_month_range
    where activity_months.month between order_month_range.first_month
        and order_month_range.last_month
),

-- The customer's segment, tier and region in the month, then one row per dimension.
customer_month_members as (
    select
        keys.customer_key,
        keys.month,
        coalesce(cast(customer_segments.segment_id as varchar), 'unsegmented') as segment_key,
        coalesce(customer_segments.segment_name, 'unsegmented') as segment_name,
        coalesce(customer_tiers.tier, 'untiered') as tier,
        coalesce(golden_customers.country, 'unknown') as region,
    from customer_month_keys as keys
    left join customer_segments
        on keys.customer_key = customer_segments.customer_key
        and keys.month = customer_segments.as_of_month
    left join customer_tiers
        on keys.customer_key = customer_tiers.customer_key
        and keys.month = customer_tiers.as_of_month
    left join golden_customers
        on keys.customer_key = golden_customers.customer_key
),

memberships as (
    select customer_key, month, 'segment' as dimension, segment_key as member_key,
        segment_name as member_name,
    from customer_month_members
    union all
    select customer_key, month, 'tier' as dimension, tier as member_key, tier as member_name,
    from customer_month_members
    union all
    select customer_key, month, 'region' as dimension, region as member_key,
        region as member_name,
    from customer_month_members
    union all
    select customer_key, month, 'all' as dimension, 'all' as member_key, 'all' as member_name,
    from customer_month_members
),

member_names as (
    select
        month,
        dimension,
        member_key,
        max(member_name) as member_name,
    from memberships
    group by month, dimension, member_key
),

member_orders as (
    select
        memberships.month,
        memberships.dimension,
        memberships.member_key,
        fulfilment.*,
    from fulfilment
    inner join memberships
        on fulfilment.customer_key = memberships.customer_key
        and fulfilment.order_month = memberships.month
),

service as (
    select
        month,
        dimension,
        member_key,
        count(distinct customer_key) as customers,
        count(*) as orders,
        count(*) filter (where is_measured) as measured_orders,
        count(*) filter (where is_on_time_requested) as on_time_requested,
        count(is_on_time_requested) as known_on_time_requested,
        count(*) filter (where is_on_time_promised) as on_time_promised,
        count(is_on_time_promised) as known_on_time_promised,
        count(*) filter (where is_in_full) as in_full,
        count(is_in_full) as known_in_full,
        count(*) filter (where is_otif_requested) as otif_requested,
        count(is_otif_requested) as known_otif_requested,
        count(*) filter (where is_otif_promised) as otif_promised,
        count(is_otif_promised) as known_otif_promised,
        sum(case when is_measured then lines_in_full end) as lines_in_full,
        sum(case when is_measured then lines end) as measured_lines,
        sum(case when is_measured then filled_units end) as filled_units,
        sum(case when is_measured then ordered_units end) as measured_units,
        count(*) filter (where is_damage_free) as damage_free,
        count(is_damage_free) as known_damage_free,
        count(*) filter (where is_invoice_accurate) as invoice_accurate,
        count(is_invoice_accurate) as known_invoice_accurate,
        count(*) filter (where is_perfect_order) as perfect_orders,
        count(is_perfect_order) as known_perfect_orders,
        avg(cycle_time_days) as cycle_time_days_mean,
    from member_orders
    group by month, dimension, member_key
),

ranked_cycle_times as (
    select
        month,
        dimension,
        member_key,
        cycle_time_days,
        row_number() over (
            partition by month, dimension, member_key order by cycle_time_days
        ) as cycle_rank,
        count(*) over (partition by month, dimension, member_key) as cycle_orders,
    from member_orders
    where cycle_time_days is not null
),

cycle_time_p90 as (
    select
        month,
        dimension,
        member_key,
        min(cycle_time_days) as cycle_time_days_p90,
    from ranked_cycle_times
    where cycle_rank >= ceil(0.9 * cycle_orders)
    group by month, dimension, member_key
),

customer_money as (
    select
        keys.customer_key,
        keys.month,
        coalesce(customer_months.orders, 0) as orders,
        coalesce(customer_months.shipped_units, 0) as shipped_units,
        coalesce(profitability_months.net_revenue, 0) as net_revenue,
        coalesce(profitability_months.cost_of_goods, 0) as cost_of_goods,
        coalesce(profitability_months.cost_to_serve, 0) as cost_to_serve,
        coalesce(service_months.returned_units, 0) as returned_units,
        coalesce(service_months.receivables_at_month_end, 0) as receivables,
        coalesce(service_months.invoiced_amount, 0) as invoiced_amount,
    from customer_month_keys as keys
    left join customer_months
        on keys.customer_key = customer_months.customer_key
        and keys.month = customer_months.order_month
    left join profitability_months
        on keys.customer_key = profitability_months.customer_key
        and keys.month = profitability_months.month
    left join service_months
        on keys.customer_key = service_months.customer_key
        and keys.month = service_months.activity_month
),

money as (
    select
        memberships.month,
        memberships.dimension,
        memberships.member_key,
        sum(customer_money.orders) as money_orders,
        sum(customer_money.shipped_units) as shipped_units,
        sum(customer_money.net_revenue) as net_revenue,
        sum(customer_money.cost_of_goods) as cost_of_goods,
        sum(customer_money.cost_to_serve) as cost_to_serve,
        sum(customer_money.returned_units) as returned_units,
        sum(customer_money.receivables) as receivables,
        sum(customer_money.invoiced_amount) as invoiced_amount,
    from customer_money
    inner join memberships
        on customer_money.customer_key = memberships.customer_key
        and customer_money.month = memberships.month
    group by memberships.month, memberships.dimension, memberships.member_key
),

final as (
    select
        member_names.month,
        member_names.dimension,
        member_names.member_key,
        member_names.member_name,
        coalesce(service.customers, 0) as customers,
        coalesce(service.orders, 0) as orders,
        coalesce(service.measured_orders, 0) as measured_orders,
        service.on_time_requested / nullif(service.known_on_time_requested, 0)
            as on_time_rate_requested,
        service.on_time_promised / nullif(service.known_on_time_promised, 0)
            as on_time_rate_promised,
        service.in_full / nullif(service.known_in_full, 0) as in_full_rate,
        service.otif_requested / nullif(service.known_otif_requested, 0) as otif_rate_requested,
        service.otif_promised / nullif(service.known_otif_promised, 0) as otif_rate_promised,
        service.lines_in_full / nullif(service.measured_lines, 0) as fill_rate_lines,
        service.in_full / nullif(service.known_in_full, 0) as fill_rate_orders,
        service.filled_units / nullif(service.measured_units, 0) as fill_rate_units,
        service.damage_free / nullif(service.known_damage_free, 0) as damage_free_rate,
        service.invoice_accurate / nullif(service.known_invoice_accurate, 0)
            as invoice_accuracy_rate,
        service.perfect_orders / nullif(service.known_perfect_orders, 0) as perfect_order_rate,
        service.cycle_time_days_mean,
        cast(cycle_time_p90.cycle_time_days_p90 as double) as cycle_time_days_p90,
        money.net_revenue,
        money.cost_to_serve,
        cast(money.cost_to_serve as double) / nullif(money.money_orders, 0)
            as cost_to_serve_per_order,
        cast(money.cost_to_serve as double) / nullif(money.shipped_units, 0)
            as cost_to_serve_per_unit,
        case
            when money.net_revenue > 0
                then cast(money.cost_to_serve as double) / cast(money.net_revenue as double)
        end as cost_to_serve_pct_revenue,
        case
            when money.net_revenue > 0
                then cast(money.net_revenue - money.cost_of_goods as double)
                / cast(money.net_revenue as double)
        end as gross_margin_pct,
        case
            when money.net_revenue > 0
                then cast(money.net_revenue - money.cost_of_goods - money.cost_to_serve as double)
                / cast(money.net_revenue as double)
        end as net_margin_pct,
        money.shipped_units,
        money.returned_units,
        cast(money.returned_units as double) / nullif(money.shipped_units, 0)
            as returns_rate_units,
        money.receivables,
        money.invoiced_amount,
        cast(money.receivables as double)
        / nullif(cast(money.invoiced_amount as double), 0)
        * date_diff('day', member_names.month, cast(member_names.month + interval 1 month as date))
            as dso_days,
        cast(null as double) as gmroi,
        cast(null as double) as inventory_turns,
    from member_names
    left join service
        on member_names.month = service.month
        and member_names.dimension = service.dimension
        and member_names.member_key = service.member_key
    left join cycle_time_p90
        on member_names.month = cycle_time_p90.month
        and member_names.dimension = cycle_time_p90.dimension
        and member_names.member_key = cycle_time_p90.member_key
    left join money
        on member_names.month = money.month
        and member_names.dimension = money.dimension
        and member_names.member_key = money.member_key
)

select * from final
