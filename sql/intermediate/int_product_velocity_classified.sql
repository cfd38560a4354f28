-- Product velocity per as-of month: one row per product with order lines in the as-of month's
-- window (the as-of month and the window_months - 1 months before it, from
-- settings.classification). Products are ranked by their number of order lines in the window,
-- most first; cumulative_line_share is the share of the window's lines on this product and on
-- every product ranked above it or tied with it, so tied products share one value and always
-- get the same class. A product is fast while that share is at most
-- velocity_fast_cumulative_share, medium while it is at most velocity_medium_cumulative_share,
-- and slow after: a product landing exactly on a cut-off stays in the faster class, the product
-- whose lines cross it goes to the slower one. Partitioned by as-of month (each as-of month
-- reads the order lines of its own window, its months from intermediate.int_as_of_month_windows).
-- @partition_column: as_of_month
with

settings as (
    select * from settings.classification
),

order_lines as (
    select * from marts.fct_order_lines
    where order_month < $month_end
),

as_of_windows as (
    select * from intermediate.int_as_of_month_windows
    where as_of_month >= $month_start and as_of_month < $month_end
        and months_back < (select window_months from settings)
),

product_months as (
    select
        product_id,
        order_month,
        count(*) as order_lines,
    from order_lines
    group by product_id, order_month
),

product_windows as (
    select
        as_of_windows.as_of_month,
        product_months.product_id,
        sum(product_months.order_lines) as order_lines,
    from as_of_windows
    inner join product_months
        on as_of_windows.month = product_months.order_month
    group by as_of_windows.as_of_month, product_months.product_id
),

ranked as (
    select
        as_of_month,
        product_id,
        order_lines,
        rank() over (partition by as_of_month order by order_lines desc) as velocity_rank,
        sum(order_lines) over (
            partition by as_of_month
            order by order_lines desc
            range between unbounded preceding and current row
        ) as cumulative_lines,
        sum(order_lines) over (partition by as_of_month) as window_lines,
    from product_windows
),

shares as (
    select
        as_of_month,
        product_id,
        order_lines,
        velocity_rank,
        cast(order_lines as double) / cast(window_lines as double) as line_share,
        cast(cumulative_lines as double) / cast(window_lines as double) as cumulative_line_share,
    from ranked
),

final as (
    select
        shares.as_of_month,
        shares.product_id,
        shares.order_lines,
        shares.velocity_rank,
        shares.line_share,
        shares.cumulative_line_share,
        case
            when shares.cumulative_line_share <= settings.velocity_fast_cumulative_share
                then 'fast'
            when shares.cumulative_line_share <= settings.velocity_medium_cumulative_share
                then 'medium'
            else 'slow'
        end as velocity_class,
    from shares
    cross join settings
)

select * from final
