-- Profile of each bottom-up segment per as-of month: one row per as-of month x model version x
-- segment of segmentation.customer_segments, with its size, revenue, units and net margin (sums
-- over its customers' rows of marts.fct_customer_features at the same as-of month), their shares
-- of the month, how many of its customers sit on a border, and the median of each behavioural
-- feature, so a segment can be named and explained. Shares are of the month's segmented
-- customers (every model version published that month), not of all customers with features;
-- a segmented customer without a features row still counts as a customer but adds no revenue,
-- units or margin, and medians ignore null features. Shares are null when their denominator is
-- zero. Partitioned by as-of month: a month's refresh rewrites only that month's rows.
-- @partition_column: as_of_month
-- @column as_of_month: First day of the month the segments were published for.
-- @column model_version: Segmentation model version that assigned the segments.
-- @column segment_id: Segment identifier within the model version.
-- @column segment_name: Segment name under the model version.
-- @column segment_kind: 'cluster' (found by the model) or 'strategic' (assigned by policy).
-- @column customers: Customers assigned to the segment at the as-of month (count).
-- @column customer_share: customers / all segmented customers of the as-of month, a fraction.
-- @column revenue: Sum of the customers' net revenue over their features window (currency).
-- @column revenue_share: revenue / revenue of all segmented customers of the as-of month, a
--     fraction; null when that total is zero.
-- @column ordered_units: Sum of the customers' ordered units over their features window.
-- @column units_share: ordered_units / ordered units of all segmented customers of the as-of
--     month, a fraction; null when that total is zero.
-- @column net_margin: Sum of revenue - cost_of_goods - cost_to_serve over the customers
--     (currency).
-- @column net_margin_pct: net_margin / revenue, a fraction; null unless revenue is positive.
-- @column borderline_customers: Customers flagged is_borderline (close to another segment).
-- @column borderline_share: borderline_customers / customers, a fraction.
-- @column avg_confidence_margin: Mean confidence margin (0..1) of the customers' assignments.
-- @column median_orders_per_active_month: Median over the customers of orders_per_active_month.
-- @column median_avg_order_lines: Median over the customers of avg_order_lines.
-- @column median_avg_line_units: Median over the customers of avg_line_units.
-- @column median_avg_order_value: Median over the customers of avg_order_value (currency).
-- @column median_returns_rate: Median over the customers of returns_rate, a fraction.
-- @column median_gross_margin_pct: Median over the customers of gross_margin_pct, a fraction.
-- @column median_cost_to_serve_pct_revenue: Median over the customers of
--     cost_to_serve_pct_revenue, a fraction.
-- @column median_days_late: Median over the customers of days_late (days).
-- @column median_dso: Median over the customers of dso (days).
-- @column median_demand_cv: Median over the customers of demand_cv.
-- @column median_fast_mover_share: Median over the customers of fast_mover_share, a fraction.
with

customer_segments as (
    select * from segmentation.customer_segments
    where as_of_month >= $month_start and as_of_month < $month_end
),

features as (
    select * from marts.fct_customer_features
    where as_of_month >= $month_start and as_of_month < $month_end
),

segmented_customers as (
    select
        customer_segments.as_of_month,
        customer_segments.model_version,
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_segments.segment_kind,
        customer_segments.customer_key,
        customer_segments.is_borderline,
        customer_segments.confidence_margin,
        features.revenue,
        features.ordered_units,
        features.revenue - features.cost_of_goods - features.cost_to_serve as net_margin,
        cast(features.orders_per_active_month as double) as orders_per_active_month,
        cast(features.avg_order_lines as double) as avg_order_lines,
        cast(features.avg_line_units as double) as avg_line_units,
        cast(features.avg_order_value as double) as avg_order_value,
        cast(features.returns_rate as double) as returns_rate,
        cast(features.gross_margin_pct as double) as gross_margin_pct,
        cast(features.cost_to_serve_pct_revenue as double) as cost_to_serve_pct_revenue,
        cast(features.days_late as double) as days_late,
        cast(features.dso as double) as dso,
        cast(features.demand_cv as double) as demand_cv,
        cast(features.fast_mover_share as double) as fast_mover_share,
    from customer_segments
    left join features
        on customer_segments.customer_key = features.customer_key
        and customer_segments.as_of_month = features.as_of_month
),

segments as (
    select
        as_of_month,
        model_version,
        segment_id,
        segment_name,
        segment_kind,
        count(*) as customers,
        sum(revenue) as revenue,
        sum(ordered_units) as ordered_units,
        sum(net_margin) as net_margin,
        count(*) filter (where is_borderline) as borderline_customers,
        -- An exact decimal mean: the same to the last bit whatever order the rows come in.
        cast(avg(cast(confidence_margin as decimal(38, 20))) as double) as avg_confidence_margin,
        median(orders_per_active_month) as median_orders_per_active_month,
        median(avg_order_lines) as median_avg_order_lines,
        median(avg_line_units) as median_avg_line_units,
        median(avg_order_value) as median_avg_order_value,
        median(returns_rate) as median_returns_rate,
        median(gross_margin_pct) as median_gross_margin_pct,
        median(cost_to_serve_pct_revenue) as median_cost_to_serve_pct_revenue,
        median(days_late) as median_days_late,
        median(dso) as median_dso,
        median(demand_cv) as median_demand_cv,
        median(fast_mover_share) as median_fast_mover_share,
    from segmented_customers
    group by all
),

month_totals as (
    select
        *,
        sum(customers) over (partition by as_of_month) as month_customers,
        sum(revenue) over (partition by as_of_month) as month_revenue,
        sum(ordered_units) over (partition by as_of_month) as month_ordered_units,
    from segments
),

final as (
    select
        as_of_month,
        model_version,
        segment_id,
        segment_name,
        segment_kind,
        customers,
        cast(customers as double) / nullif(month_customers, 0) as customer_share,
        revenue,
        cast(revenue as double) / nullif(cast(month_revenue as double), 0) as revenue_share,
        ordered_units,
        cast(ordered_units as double) / nullif(cast(month_ordered_units as double), 0)
            as units_share,
        net_margin,
        case
            when revenue > 0
                then cast(net_margin as double) / cast(revenue as double)
        end as net_margin_pct,
        borderline_customers,
        cast(borderline_customers as double) / nullif(customers, 0) as borderline_share,
        avg_confidence_margin,
        median_orders_per_active_month,
        median_avg_order_lines,
        median_avg_line_units,
        median_avg_order_value,
        median_returns_rate,
        median_gross_margin_pct,
        median_cost_to_serve_pct_revenue,
        median_days_late,
        median_dso,
        median_demand_cv,
        median_fast_mover_share,
    from month_totals
)

select * from final
