-- Demand and value classes of each golden customer per as-of month: one row per customer with
-- at least one order in the as-of month's window, the as-of month and the window_months - 1
-- months before it (settings.classification holds every threshold). Months before the first
-- month of data in marts.fct_customer_months are unknown, not zero, so early windows are
-- shorter: months_in_window counts the months the window really covers. Inside the window a
-- month without orders is a month of zero demand, also before the customer's first order: every
-- customer is judged on the same months, so a customer new in the window looks intermittent
-- until it has history (first_order_month tells new customers apart). Demand is ordered units;
-- revenue is ordered revenue (the order's value, known at order time).
-- ABC: customers ranked by window revenue, highest first; cumulative_revenue_share is the share
-- of all active customers' revenue held by the customer and everyone ranked above or tied with
-- it (tied customers share one value and one class). A while it is at most
-- abc_a_cumulative_share, B while at most abc_b_cumulative_share, else C: a customer landing
-- exactly on a cut-off stays in the higher class, the customer whose revenue crosses it goes to
-- the lower one.
-- XYZ: demand_cv = population standard deviation / mean of monthly units over the
-- months_in_window months (zero months included). X while demand_cv <= xyz_x_max_cv, Y while
-- <= xyz_y_max_cv, else Z. With a one-month window (only the first month of data) the CV is 0.
-- Syntetos-Boylan: adi = months_in_window / demand_months (months with units), the average
-- interval between demands in months; demand_size_cv2 = squared CV (population) of the units of
-- the demand months only, 0 for a customer with a single demand month (one size does not vary).
-- smooth: adi < adi_cutoff and cv2 < cv2_cutoff; erratic: adi < cutoff, cv2 >= cutoff;
-- intermittent: adi >= cutoff, cv2 < cutoff; lumpy: both at or above (equal counts as high).
-- RFM: recency_months = months from the last order month to the as-of month (0 = ordered in
-- it), frequency = orders in the window, monetary = window revenue. Each is scored 1..rfm_bins,
-- rfm_bins = best (most recent, most orders, most revenue), over the customers active in the
-- window: score = ceil(rfm_bins * k / n), where n is the number of active customers and k the
-- number whose value is no better than this customer's (ties included). This is ntile's
-- quantile binning, but tied values always share a score (the higher one), which ntile does
-- not guarantee. rfm_code concatenates the three scores ('555').
-- Velocity mix: the customer's window order lines split by the velocity class of their product
-- in the same as-of month (intermediate.int_product_velocity_classified); the three shares sum
-- to 1. Windows are the as-of month's rows of intermediate.int_as_of_month_windows with
-- months_back < window_months. Partitioned by as-of month: a month's refresh rewrites only that
-- month's rows.
-- @partition_column: as_of_month
with

settings as (
    select * from settings.classification
),

customer_months as (
    select * from marts.fct_customer_months
    where order_month < $month_end
),

order_lines as (
    select * from marts.fct_order_lines
    where order_month < $month_end
),

product_velocity as (
    select * from intermediate.int_product_velocity_classified
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

customer_windows as (
    select
        as_of_windows.as_of_month,
        customer_months.customer_key,
        least(
            settings.window_months,
            date_diff('month', data_start.first_data_month, as_of_windows.as_of_month) + 1
        ) as months_in_window,
        max(customer_months.order_month) as last_order_month,
        count(*) filter (where customer_months.ordered_units > 0) as demand_months,
        sum(customer_months.orders) as orders,
        sum(customer_months.order_lines) as order_lines,
        sum(cast(customer_months.ordered_units as bigint)) as ordered_units,
        sum(
            cast(customer_months.ordered_units as bigint)
            * cast(customer_months.ordered_units as bigint)
        ) as ordered_units_squared,
        sum(customer_months.ordered_revenue) as revenue,
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

demand as (
    select
        customer_windows.*,
        cast(ordered_units as double) / months_in_window as mean_monthly_units,
        -- n * sum(x^2) - sum(x)^2 = n^2 * population variance, exact in integers.
        case
            when ordered_units > 0
                then sqrt(
                    cast(
                        months_in_window * ordered_units_squared
                        - ordered_units * ordered_units
                        as double
                    )
                ) / cast(ordered_units as double)
        end as demand_cv,
        cast(months_in_window as double) / nullif(demand_months, 0) as adi,
        case
            when demand_months = 1 then 0.0
            when ordered_units > 0
                then cast(
                    demand_months * ordered_units_squared - ordered_units * ordered_units
                    as double
                ) / cast(ordered_units * ordered_units as double)
        end as demand_size_cv2,
        date_diff('month', last_order_month, as_of_month) as recency_months,
    from customer_windows
),

ranked as (
    select
        demand.*,
        count(*) over (partition by as_of_month) as active_customers,
        sum(revenue) over (partition by as_of_month) as total_revenue,
        sum(revenue) over (
            partition by as_of_month
            order by revenue desc
            range between unbounded preceding and current row
        ) as cumulative_revenue,
        count(*) over (
            partition by as_of_month
            order by recency_months desc
            range between unbounded preceding and current row
        ) as recency_no_better,
        count(*) over (
            partition by as_of_month
            order by orders
            range between unbounded preceding and current row
        ) as frequency_no_better,
        count(*) over (
            partition by as_of_month
            order by revenue
            range between unbounded preceding and current row
        ) as monetary_no_better,
    from demand
),

customer_product_months as (
    select
        customer_key,
        product_id,
        order_month,
        count(*) as order_lines,
    from order_lines
    group by customer_key, product_id, order_month
),

velocity_mix as (
    select
        product_velocity.as_of_month,
        customer_product_months.customer_key,
        sum(customer_product_months.order_lines) as order_lines,
        coalesce(
            sum(customer_product_months.order_lines)
                filter (where product_velocity.velocity_class = 'fast'),
            0
        ) as fast_lines,
        coalesce(
            sum(customer_product_months.order_lines)
                filter (where product_velocity.velocity_class = 'medium'),
            0
        ) as medium_lines,
        coalesce(
            sum(customer_product_months.order_lines)
                filter (where product_velocity.velocity_class = 'slow'),
            0
        ) as slow_lines,
    from product_velocity
    inner join as_of_windows
        on product_velocity.as_of_month = as_of_windows.as_of_month
    inner join customer_product_months
        on product_velocity.product_id = customer_product_months.product_id
        and as_of_windows.month = customer_product_months.order_month
    group by product_velocity.as_of_month, customer_product_months.customer_key
),

classified as (
    select
        ranked.*,
        cast(ranked.revenue as double) / nullif(cast(ranked.total_revenue as double), 0)
            as revenue_share,
        cast(ranked.cumulative_revenue as double)
        / nullif(cast(ranked.total_revenue as double), 0) as cumulative_revenue_share,
        cast(
            ceil(
                cast(settings.rfm_bins * ranked.recency_no_better as double)
                / ranked.active_customers
            ) as integer
        ) as r_score,
        cast(
            ceil(
                cast(settings.rfm_bins * ranked.frequency_no_better as double)
                / ranked.active_customers
            ) as integer
        ) as f_score,
        cast(
            ceil(
                cast(settings.rfm_bins * ranked.monetary_no_better as double)
                / ranked.active_customers
            ) as integer
        ) as m_score,
    from ranked
    cross join settings
),

final as (
    select
        classified.customer_key,
        classified.as_of_month,
        classified.months_in_window,
        first_orders.first_order_month,
        classified.last_order_month,
        classified.orders,
        classified.order_lines,
        classified.ordered_units,
        classified.revenue,
        classified.revenue_share,
        classified.cumulative_revenue_share,
        case
            when classified.cumulative_revenue_share <= settings.abc_a_cumulative_share
                then 'A'
            when classified.cumulative_revenue_share <= settings.abc_b_cumulative_share
                then 'B'
            else 'C'
        end as abc_class,
        classified.mean_monthly_units,
        classified.demand_cv,
        case
            when classified.demand_cv <= settings.xyz_x_max_cv then 'X'
            when classified.demand_cv <= settings.xyz_y_max_cv then 'Y'
            else 'Z'
        end as xyz_class,
        classified.demand_months,
        classified.adi,
        classified.demand_size_cv2,
        case
            when classified.adi < settings.adi_cutoff
                and classified.demand_size_cv2 < settings.cv2_cutoff
                then 'smooth'
            when classified.adi < settings.adi_cutoff then 'erratic'
            when classified.demand_size_cv2 < settings.cv2_cutoff then 'intermittent'
            else 'lumpy'
        end as demand_pattern,
        classified.recency_months,
        classified.r_score,
        classified.f_score,
        classified.m_score,
        cast(classified.r_score as varchar)
        || cast(classified.f_score as varchar)
        || cast(classified.m_score as varchar) as rfm_code,
        cast(velocity_mix.fast_lines as double) / velocity_mix.order_lines as fast_line_share,
        cast(velocity_mix.medium_lines as double) / velocity_mix.order_lines
            as medium_line_share,
        cast(velocity_mix.slow_lines as double) / velocity_mix.order_lines as slow_line_share,
    from classified
    cross join settings
    inner join first_orders
        on classified.customer_key = first_orders.customer_key
    left join velocity_mix
        on classified.customer_key = velocity_mix.customer_key
        and classified.as_of_month = velocity_mix.as_of_month
)

select * from final
