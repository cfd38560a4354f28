-- Revenue concentration per published month, within each segment and over all segmented
-- customers, and each segment's volume shift against the previous published month. Revenue is
-- each customer's net revenue over the features window (marts.fct_customer_features at the
-- month), the measure segments are built on; customers with zero or negative revenue count as
-- customers but hold no share. HHI (Herfindahl-Hirschman index) = sum of squared revenue
-- shares of the customers within the group, from 1 / customers (even) to 1 (one customer holds
-- everything); top_10_revenue_share = revenue of the ten largest customers / the group's
-- revenue. Rebuilt whole on each run.
-- @column month: Published month.
-- @column segment_id: Segment; null on the row over all segmented customers.
-- @column segment_name: Segment name at the month; 'all' over all segmented customers.
-- @column customers: Segmented customers in the group (count).
-- @column revenue: Positive net revenue of the group over the features window (currency).
-- @column hhi_revenue: Herfindahl-Hirschman index of the customers' revenue shares (0 to 1);
--     null without positive revenue.
-- @column top_10_revenue_share: Revenue of the group's ten largest customers / its revenue, a
--     fraction; null without positive revenue.
-- @column previous_customers: Customers of the group at the previous published month; null
--     at the first month or for a segment absent then.
-- @column customers_change_pct: (customers - previous_customers) / previous_customers, a
--     fraction.
-- @column previous_revenue: The group's revenue at the previous published month.
-- @column revenue_change_pct: (revenue - previous_revenue) / previous_revenue, a fraction;
--     null when previous_revenue is not positive.
with

customer_segments as (
    select * from segmentation.customer_segments
),

customer_features as (
    select * from marts.fct_customer_features
),

customer_revenue as (
    select
        customer_segments.as_of_month as month,
        customer_segments.customer_key,
        customer_segments.segment_id,
        customer_segments.segment_name,
        greatest(coalesce(customer_features.revenue, 0), 0) as revenue,
    from customer_segments
    left join customer_features
        on customer_segments.customer_key = customer_features.customer_key
        and customer_segments.as_of_month = customer_features.as_of_month
),

grouped as (
    select month, customer_key, segment_id, segment_name, revenue
    from customer_revenue
    union all
    select month, customer_key, cast(null as integer), 'all', revenue
    from customer_revenue
),

ranked as (
    select
        grouped.*,
        sum(revenue) over (partition by month, segment_id) as group_revenue,
        row_number() over (
            partition by month, segment_id order by revenue desc, customer_key
        ) as revenue_rank,
    from grouped
),

groups as (
    select
        month,
        segment_id,
        max(segment_name) as segment_name,
        count(*) as customers,
        sum(revenue) as revenue,
        case
            when max(group_revenue) > 0
                -- Squared shares are doubles: summed as exact decimals, so the index does
                -- not depend on the order the customers are summed in.
                then cast(
                    sum(
                        cast(
                            cast(revenue as double) * cast(revenue as double)
                            / (cast(group_revenue as double) * cast(group_revenue as double))
                            as decimal(38, 20)
                        )
                    ) as double
                )
        end as hhi_revenue,
        case
            when max(group_revenue) > 0
                then cast(sum(case when revenue_rank <= 10 then revenue else 0 end) as double)
                / cast(max(group_revenue) as double)
        end as top_10_revenue_share,
    from ranked
    group by month, segment_id
),

published_months as (
    select
        month,
        lag(month) over (order by month) as previous_month,
    from (select distinct month from groups) as months
),

final as (
    select
        groups.month,
        groups.segment_id,
        groups.segment_name,
        groups.customers,
        groups.revenue,
        groups.hhi_revenue,
        groups.top_10_revenue_share,
        previous_groups.customers as previous_customers,
        cast(groups.customers - previous_groups.customers as double)
        / nullif(previous_groups.customers, 0) as customers_change_pct,
        previous_groups.revenue as previous_revenue,
        case
            when previous_groups.revenue > 0
                then cast(groups.revenue - previous_groups.revenue as double)
                / cast(previous_groups.revenue as double)
        end as revenue_change_pct,
    from groups
    inner join published_months
        on groups.month = published_months.month
    left join groups as previous_groups
        on previous_groups.month = published_months.previous_month
        and previous_groups.segment_id is not distinct from groups.segment_id
)

select * from final
