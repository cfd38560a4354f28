-- Behavioural features of each golden customer per as-of month, for segmentation: one row per
-- customer with at least one order in the as-of month's window (the as-of month and the
-- settings.features.window_months - 1 months before it). Months before the first month of data
-- in marts.fct_customer_months are unknown, not zero, so early windows are shorter:
-- months_in_window counts the months the window really covers, and per-month features divide
-- by it. Each source is summed over the window on its own month: orders, units, order revenue
-- and cost of goods on the order month (marts.fct_customer_months), cost to serve on the cost
-- month (marts.fct_customer_cost_to_serve_months), shipments on the ship month, returns on the
-- return month and invoices on the invoice month (intermediate.int_customer_service_months),
-- lanes on the ship month (intermediate.int_shipments_freight_imputed, orders reaching their
-- customer through mdm.crosswalk as in the cost-to-serve mart).
-- Revenue is net: shipped revenue (shipped units x net unit price) less the credits of the
-- window's returns. Cost of goods is that of every shipped unit (returned goods are not assumed
-- to be resold), so gross and net margin both rest on the same net revenue. Ratios are null when
-- their denominator is zero; ratios over revenue are also null when revenue is negative (credits
-- exceeding the window's shipped revenue), where a share of revenue means nothing. Shares and
-- margins are fractions (0.25 = 25 %), amounts are in the invoicing currency.
-- Classes and velocity shares are those of marts.fct_customer_classes at the same as-of month
-- (its own window, settings.classification.window_months; null when it has no row).
-- Every window is the as-of month's rows of intermediate.int_as_of_month_windows with
-- months_back < settings.features.window_months, each source joined on its month.
-- Partitioned by as-of month: a month's refresh rewrites only that month's rows.
-- @partition_column: as_of_month
-- @column customer_key: Golden customer (mdm.crosswalk); all its ERP accounts are one customer.
-- @column as_of_month: First day of the month the features describe; the window ends with it.
-- @column months_in_window: Months the window covers (window_months, fewer while the data is
--    shorter): the divisor of per-month features. Months without orders count as zero.
-- @column first_order_month: Month of the customer's first order in the data (may be before
--    the window).
-- @column last_order_month: Month of the customer's last order in the window.
-- @column orders: Orders placed in the window (count).
-- @column order_lines: Order lines placed in the window (count).
-- @column ordered_units: Units ordered in the window (order month).
-- @column shipped_units: Units shipped against the window's orders (order month).
-- @column ordered_revenue: Value of the window's orders at the net unit price (currency).
-- @column shipped_revenue: Value of the units shipped against the window's orders at the net
--    unit price (currency).
-- @column returns_credit: Amount credited for returns dated in the window (currency).
-- @column revenue: Net revenue = shipped_revenue - returns_credit (currency).
-- @column cost_of_goods: Cost of goods of the units shipped against the window's orders
--    (currency).
-- @column cost_to_serve: Activity costs and freight (known and imputed) of the window's cost
--    months, from marts.fct_customer_cost_to_serve_months (currency; 0 when none).
-- @column returned_units: Units returned in the window (return month).
-- @column shipments: Shipments shipped in the window (ship month, count).
-- @column order_frequency: orders / months_in_window: orders per month of the window.
-- @column active_months: Months of the window the customer could order in: months_in_window,
--    fewer for a customer won during the window (counted from the month of its golden
--    record's customer_since).
-- @column orders_per_active_month: orders / active_months: the order rate of a customer won
--    during the window is not diluted by the months before it existed.
-- @column avg_order_units: ordered_units / orders: units per order.
-- @column avg_order_lines: order_lines / orders: lines per order.
-- @column avg_line_units: ordered_units / order_lines: units per order line.
-- @column avg_order_value: ordered_revenue / orders: order value per order (currency).
-- @column gross_margin_pct: (revenue - cost_of_goods) / revenue, a fraction; null when revenue
--    is zero or negative.
-- @column cost_to_serve_pct_revenue: cost_to_serve / revenue, a fraction; null when revenue is
--    zero or negative.
-- @column net_margin_pct: (revenue - cost_of_goods - cost_to_serve) / revenue, a fraction
--    (gross_margin_pct - cost_to_serve_pct_revenue); null when revenue is zero or negative.
-- @column returns_rate: returned_units / shipped_units, a fraction (returns on their return
--    month, shipments on their order month, so it can pass 1 at a window's edge); null when
--    nothing shipped.
-- @column returns_rate_smoothed: (returned_units + k x p) / (shipped_units + k), with p the
--    returns rate of all customers at the as-of month and k = settings.features.
--    returns_prior_units: a customer with few units shipped is pulled towards the common rate
--    (one returned unit of three is not a 33 % returner), a large one keeps its own rate.
-- @column days_to_pay: Amount-weighted average days from invoice date to payment date of the
--    window's invoices paid by the extract (sum of amount x days / sum of amount); null when
--    none is paid. Open invoices do not count: see dso.
-- @column days_late: Amount-weighted average days from due date to payment date of the same
--    invoices (negative when paid early); null when none is paid. Unlike days_to_pay it does
--    not depend on the payment terms granted.
-- @column dso: Days sales outstanding: receivables open at the as-of month's end (invoices of
--    any month not paid by then) / amount invoiced in the window x days in the window; null
--    when nothing was invoiced in the window.
-- @column fast_mover_share: Share of the customer's order lines on fast-moving products
--    (fct_customer_classes.fast_line_share), a fraction.
-- @column slow_mover_share: Share of the customer's order lines on slow-moving products
--    (fct_customer_classes.slow_line_share), a fraction.
-- @column distinct_lanes: Distinct lanes (origin warehouse x destination country) of the
--    customer's shipments shipped in the window (count; 0 when none shipped).
-- @column avg_distance_km: Shipped distance / shipments in the window: km per shipment; null
--    when nothing shipped.
-- @column demand_pattern: Syntetos-Boylan pattern (smooth, erratic, intermittent, lumpy) from
--    fct_customer_classes.
-- @column abc_class: ABC class by revenue (A, B, C) from fct_customer_classes.
-- @column xyz_class: XYZ class by demand variability (X, Y, Z) from fct_customer_classes.
-- @column demand_cv: Coefficient of variation (population) of monthly ordered units over the
--    classification window, months without orders as zero (fct_customer_classes; the
--    number behind xyz_class).
-- @column volume_trend: Least-squares slope of monthly ordered units over the months_in_window
--    months (months without orders count as zero) divided by the mean monthly units: the
--    relative change per month (0.05 = +5 % of the mean a month). Null when the window has
--    fewer than settings.features.trend_min_months months.
with

settings as (
    select * from settings.features
),

customer_months as (
    select * from marts.fct_customer_months
    where order_month < $month_end
),

cost_to_serve_months as (
    select * from marts.fct_customer_cost_to_serve_months
    where cost_month < $month_end
),

service_months as (
    select * from intermediate.int_customer_service_months
    where activity_month < $month_end
),

shipments as (
    select * from intermediate.int_shipments_freight_imputed
    where ship_month < $month_end
),

orders as (
    select * from staging.stg_erp__orders
),

crosswalk as (
    select * from mdm.crosswalk
),

golden_customers as (
    select * from mdm.dim_customer_golden
),

customer_classes as (
    select * from marts.fct_customer_classes
    where as_of_month >= $month_start and as_of_month < $month_end
),

as_of_windows as (
    select * from intermediate.int_as_of_month_windows
    where as_of_month >= $month_start and as_of_month < $month_end
        and months_back < (select window_months from settings)
),

data_start as (
    select min(order_month) as first_data_month
    from customer_months
),

first_orders as (
    select
        customer_key,
        min(order_month) as first_order_month,
    from customer_months
    group by customer_key
),

order_windows as (
    select
        as_of_windows.as_of_month,
        customer_months.customer_key,
        least(
            settings.window_months,
            date_diff('month', data_start.first_data_month, as_of_windows.as_of_month) + 1
        ) as months_in_window,
        max(customer_months.order_month) as last_order_month,
        sum(customer_months.orders) as orders,
        sum(customer_months.order_lines) as order_lines,
        sum(cast(customer_months.ordered_units as bigint)) as ordered_units,
        sum(cast(customer_months.shipped_units as bigint)) as shipped_units,
        sum(customer_months.ordered_revenue) as ordered_revenue,
        sum(customer_months.shipped_revenue) as shipped_revenue,
        sum(customer_months.shipped_cost_of_goods) as cost_of_goods,
        -- Units weighted by how many months before the as-of month they were ordered.
        sum(
            cast(customer_months.ordered_units as bigint) * as_of_windows.months_back
        ) as months_back_units,
    from as_of_windows
    cross join settings
    cross join data_start
    inner join customer_months
        on as_of_windows.month = customer_months.order_month
    group by
        as_of_windows.as_of_month,
        customer_months.customer_key,
        settings.window_months,
        data_start.first_data_month
),

cost_windows as (
    select
        as_of_windows.as_of_month,
        cost_to_serve_months.customer_key,
        sum(cost_to_serve_months.cost_to_serve) as cost_to_serve,
    from as_of_windows
    inner join cost_to_serve_months
        on as_of_windows.month = cost_to_serve_months.cost_month
    group by as_of_windows.as_of_month, cost_to_serve_months.customer_key
),

service_windows as (
    select
        as_of_windows.as_of_month,
        service_months.customer_key,
        sum(service_months.shipments) as shipments,
        -- Kilometres are doubles: summed as exact decimals, so the total does not depend on the
        -- order the join hands the window's months over in (a one-month refresh and a backfill
        -- of many months agree to the last bit).
        cast(
            sum(cast(service_months.shipped_distance_km as decimal(38, 20))) as double
        ) as shipped_distance_km,
        sum(cast(service_months.returned_units as bigint)) as returned_units,
        sum(service_months.credited_amount) as returns_credit,
        sum(service_months.paid_amount) as paid_amount,
        sum(service_months.paid_amount_days) as paid_amount_days,
        sum(service_months.paid_amount_days_late) as paid_amount_days_late,
        sum(service_months.invoiced_amount) as invoiced_amount,
        sum(
            case
                when as_of_windows.months_back = 0
                    then service_months.receivables_at_month_end
                else 0
            end
        ) as receivables_at_as_of,
    from as_of_windows
    inner join service_months
        on as_of_windows.month = service_months.activity_month
    group by as_of_windows.as_of_month, service_months.customer_key
),

lane_months as (
    select distinct
        crosswalk.customer_key,
        shipments.ship_month,
        shipments.origin_warehouse_id,
        shipments.destination_country,
    from shipments
    inner join orders
        on shipments.order_id = orders.order_id
    inner join crosswalk
        on crosswalk.record_id = 'erp:' || orders.customer_id
    where shipments.origin_warehouse_id is not null
        and shipments.destination_country is not null
),

window_lanes as (
    select distinct
        as_of_windows.as_of_month,
        lane_months.customer_key,
        lane_months.origin_warehouse_id,
        lane_months.destination_country,
    from as_of_windows
    inner join lane_months
        on as_of_windows.month = lane_months.ship_month
),

lane_windows as (
    select
        as_of_month,
        customer_key,
        count(*) as distinct_lanes,
    from window_lanes
    group by as_of_month, customer_key
),

joined as (
    select
        order_windows.*,
        coalesce(service_windows.returns_credit, 0) as returns_credit,
        order_windows.shipped_revenue - coalesce(service_windows.returns_credit, 0) as revenue,
        coalesce(cost_windows.cost_to_serve, 0) as cost_to_serve,
        coalesce(service_windows.returned_units, 0) as returned_units,
        coalesce(service_windows.shipments, 0) as shipments,
        coalesce(service_windows.shipped_distance_km, 0) as shipped_distance_km,
        coalesce(service_windows.paid_amount, 0) as paid_amount,
        coalesce(service_windows.paid_amount_days, 0) as paid_amount_days,
        coalesce(service_windows.paid_amount_days_late, 0) as paid_amount_days_late,
        coalesce(service_windows.invoiced_amount, 0) as invoiced_amount,
        coalesce(service_windows.receivables_at_as_of, 0) as receivables_at_as_of,
        coalesce(lane_windows.distinct_lanes, 0) as distinct_lanes,
    from order_windows
    left join cost_windows
        on order_windows.customer_key = cost_windows.customer_key
        and order_windows.as_of_month = cost_windows.as_of_month
    left join service_windows
        on order_windows.customer_key = service_windows.customer_key
        and order_windows.as_of_month = service_windows.as_of_month
    left join lane_windows
        on order_windows.customer_key = lane_windows.customer_key
        and order_windows.as_of_month = lane_windows.as_of_month
),

population_returns as (
    select
        as_of_month,
        cast(sum(returned_units) as double) / nullif(sum(shipped_units), 0) as returns_rate,
    from joined
    group by as_of_month
),

active_windows as (
    select
        joined.customer_key,
        joined.as_of_month,
        greatest(
            1,
            least(
                joined.months_in_window,
                date_diff(
                    'month',
                    date_trunc('month', golden_customers.customer_since),
                    joined.as_of_month
                ) + 1
            )
        ) as active_months,
    from joined
    left join golden_customers
        on joined.customer_key = golden_customers.customer_key
),

final as (
    select
        joined.customer_key,
        joined.as_of_month,
        joined.months_in_window,
        first_orders.first_order_month,
        joined.last_order_month,
        cast(joined.orders as bigint) as orders,
        cast(joined.order_lines as bigint) as order_lines,
        cast(joined.ordered_units as bigint) as ordered_units,
        cast(joined.shipped_units as bigint) as shipped_units,
        joined.ordered_revenue,
        joined.shipped_revenue,
        joined.returns_credit,
        joined.revenue,
        joined.cost_of_goods,
        joined.cost_to_serve,
        cast(joined.returned_units as bigint) as returned_units,
        cast(joined.shipments as bigint) as shipments,
        cast(joined.orders as double) / joined.months_in_window as order_frequency,
        cast(coalesce(active_windows.active_months, joined.months_in_window) as bigint)
            as active_months,
        cast(joined.orders as double)
        / coalesce(active_windows.active_months, joined.months_in_window)
            as orders_per_active_month,
        cast(joined.ordered_units as double) / nullif(joined.orders, 0) as avg_order_units,
        cast(joined.order_lines as double) / nullif(joined.orders, 0) as avg_order_lines,
        cast(joined.ordered_units as double) / nullif(joined.order_lines, 0) as avg_line_units,
        cast(joined.ordered_revenue as double) / nullif(joined.orders, 0) as avg_order_value,
        case
            when joined.revenue > 0
                then cast(joined.revenue - joined.cost_of_goods as double)
                / cast(joined.revenue as double)
        end as gross_margin_pct,
        case
            when joined.revenue > 0
                then cast(joined.cost_to_serve as double) / cast(joined.revenue as double)
        end as cost_to_serve_pct_revenue,
        case
            when joined.revenue > 0
                then cast(joined.revenue - joined.cost_of_goods - joined.cost_to_serve as double)
                / cast(joined.revenue as double)
        end as net_margin_pct,
        cast(joined.returned_units as double) / nullif(joined.shipped_units, 0) as returns_rate,
        (
            joined.returned_units
            + settings.returns_prior_units * coalesce(population_returns.returns_rate, 0)
        )
        / nullif(joined.shipped_units + settings.returns_prior_units, 0)
            as returns_rate_smoothed,
        cast(joined.paid_amount_days as double) / nullif(cast(joined.paid_amount as double), 0)
            as days_to_pay,
        cast(joined.paid_amount_days_late as double)
        / nullif(cast(joined.paid_amount as double), 0) as days_late,
        cast(joined.receivables_at_as_of as double)
        / nullif(cast(joined.invoiced_amount as double), 0)
        * date_diff(
            'day',
            cast(joined.as_of_month - to_months(joined.months_in_window - 1) as date),
            cast(joined.as_of_month + interval 1 month as date)
        ) as dso,
        customer_classes.fast_line_share as fast_mover_share,
        customer_classes.slow_line_share as slow_mover_share,
        joined.distinct_lanes,
        cast(joined.shipped_distance_km as double) / nullif(joined.shipments, 0)
            as avg_distance_km,
        customer_classes.demand_pattern,
        customer_classes.abc_class,
        customer_classes.xyz_class,
        customer_classes.demand_cv,
        -- Least squares of monthly units y on the month number t = 0 .. n - 1 over the n months
        -- of the window (zero months included), divided by the mean sum(y) / n. With
        -- k = n - 1 - t months back from the as-of month this is
        -- (6 (n - 1) sum(y) - 12 sum(k y)) / ((n^2 - 1) sum(y)), exact in integers.
        case
            when joined.months_in_window >= settings.trend_min_months
                and joined.months_in_window > 1
                and joined.ordered_units > 0
                then cast(
                    6 * (joined.months_in_window - 1) * joined.ordered_units
                    - 12 * joined.months_back_units
                    as double
                )
                / cast(
                    (joined.months_in_window * joined.months_in_window - 1) * joined.ordered_units
                    as double
                )
        end as volume_trend,
    from joined
    cross join settings
    inner join first_orders
        on joined.customer_key = first_orders.customer_key
    left join active_windows
        on joined.customer_key = active_windows.customer_key
        and joined.as_of_month = active_windows.as_of_month
    left join population_returns
        on joined.as_of_month = population_returns.as_of_month
    left join customer_classes
        on joined.customer_key = customer_classes.customer_key
        and joined.as_of_month = customer_classes.as_of_month
)

select * from final
