-- Month-over-month segment migration: for every published month after the first, how many
-- customers, and how much of their revenue, moved from each segment of the previous published
-- month to each segment of this one (segment ids are kept across model versions where the
-- segments match, so a retrain does not read as migration by itself). Customers segmented only
-- this month come from 'new customer' (from_segment_id null); customers segmented only last
-- month go to 'no longer segmented' (to_segment_id null). Revenue is the customer's net
-- revenue over the features window (marts.fct_customer_features) at this month, or at the
-- previous month for customers no longer segmented. Only moves with customers have a row;
-- the diagonal (customers who stayed) is included. Rebuilt whole on each run.
-- @column month: Published month the customers moved into.
-- @column previous_month: The published month before it.
-- @column from_segment_id: Segment at previous_month; null for new customers.
-- @column from_segment_name: Its name at previous_month; 'new customer' when null.
-- @column to_segment_id: Segment at month; null for customers no longer segmented.
-- @column to_segment_name: Its name at month; 'no longer segmented' when null.
-- @column customers: Customers making this move (count).
-- @column revenue: Their net revenue over the features window (currency).
-- @column share_of_from_segment: customers / customers of from_segment_id at previous_month, a
--     fraction; null for new customers.
with

customer_segments as (
    select * from segmentation.customer_segments
),

customer_features as (
    select * from marts.fct_customer_features
),

published_months as (
    select
        as_of_month as month,
        lag(as_of_month) over (order by as_of_month) as previous_month,
    from (select distinct as_of_month from customer_segments) as months
),

month_pairs as (
    select * from published_months
    where previous_month is not null
),

-- Customers segmented this month, with where they were last month (if anywhere).
arrivals as (
    select
        month_pairs.month,
        month_pairs.previous_month,
        current_segments.customer_key,
        previous_segments.segment_id as from_segment_id,
        coalesce(previous_segments.segment_name, 'new customer') as from_segment_name,
        current_segments.segment_id as to_segment_id,
        coalesce(current_segments.segment_name, 'no longer segmented') as to_segment_name,
    from month_pairs
    inner join customer_segments as current_segments
        on current_segments.as_of_month = month_pairs.month
    left join customer_segments as previous_segments
        on previous_segments.as_of_month = month_pairs.previous_month
        and previous_segments.customer_key = current_segments.customer_key
),

-- Customers segmented last month and not this month.
leavers as (
    select
        month_pairs.month,
        month_pairs.previous_month,
        previous_segments.customer_key,
        previous_segments.segment_id as from_segment_id,
        previous_segments.segment_name as from_segment_name,
        cast(null as integer) as to_segment_id,
        'no longer segmented' as to_segment_name,
    from month_pairs
    inner join customer_segments as previous_segments
        on previous_segments.as_of_month = month_pairs.previous_month
    left join customer_segments as current_segments
        on current_segments.as_of_month = month_pairs.month
        and current_segments.customer_key = previous_segments.customer_key
    where current_segments.customer_key is null
),

all_moves as (
    select * from arrivals
    union all
    select * from leavers
),

valued_moves as (
    select
        all_moves.*,
        coalesce(current_features.revenue, previous_features.revenue, 0) as revenue,
    from all_moves
    left join customer_features as current_features
        on all_moves.to_segment_id is not null
        and current_features.customer_key = all_moves.customer_key
        and current_features.as_of_month = all_moves.month
    left join customer_features as previous_features
        on all_moves.to_segment_id is null
        and previous_features.customer_key = all_moves.customer_key
        and previous_features.as_of_month = all_moves.previous_month
),

matrix as (
    select
        month,
        previous_month,
        from_segment_id,
        from_segment_name,
        to_segment_id,
        to_segment_name,
        count(*) as customers,
        sum(revenue) as revenue,
    from valued_moves
    group by all
),

final as (
    select
        *,
        case
            when from_segment_id is not null
                then customers / sum(customers) over (partition by month, from_segment_id)
        end as share_of_from_segment,
    from matrix
)

select * from final
