-- Reconciliation of the top-down tiers (marts.fct_customer_tiers) with the bottom-up segments
-- (segmentation.customer_segments): one row per as-of month x tier x segment that has at least
-- one customer, with the customers in both and their revenue (marts.fct_customer_features at the
-- same as-of month). The crosstab covers the segmented customers only: a customer with a tier
-- but no segment row at the month was not segmented and is not counted anywhere, so a tier's
-- customers here are its segmented customers. A segmented customer is never dropped: without a
-- tier row (or with a row whose tier is null, no tier rule matched) it counts under the tier
-- 'Untiered'. share_of_tier and share_of_segment are the row's share of its crosstab row and
-- column, so each sums to 1 over a tier's (or a segment's) rows in a month.
-- Partitioned by as-of month: a month's refresh rewrites only that month's rows.
-- @partition_column: as_of_month
-- @column as_of_month: First day of the month the tiers and segments describe.
-- @column tier: Tier from marts.fct_customer_tiers; 'Untiered' for a segmented customer without
--     a tier.
-- @column model_version: Segmentation model version that assigned the segment.
-- @column segment_id: Segment identifier within the model version.
-- @column segment_name: Segment name under the model version.
-- @column customers: Segmented customers in this tier and this segment (count).
-- @column revenue: Sum of these customers' net revenue over their features window (currency;
--     null when none has a features row).
-- @column share_of_tier: customers / the tier's segmented customers that month, a fraction.
-- @column share_of_segment: customers / the segment's customers that month, a fraction.
with

customer_segments as (
    select * from segmentation.customer_segments
    where as_of_month >= $month_start and as_of_month < $month_end
),

customer_tiers as (
    select * from marts.fct_customer_tiers
    where as_of_month >= $month_start and as_of_month < $month_end
),

features as (
    select * from marts.fct_customer_features
    where as_of_month >= $month_start and as_of_month < $month_end
),

segmented_customers as (
    select
        customer_segments.as_of_month,
        coalesce(customer_tiers.tier, 'Untiered') as tier,
        customer_segments.model_version,
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_segments.customer_key,
        features.revenue,
    from customer_segments
    left join customer_tiers
        on customer_segments.customer_key = customer_tiers.customer_key
        and customer_segments.as_of_month = customer_tiers.as_of_month
    left join features
        on customer_segments.customer_key = features.customer_key
        and customer_segments.as_of_month = features.as_of_month
),

crosstab as (
    select
        as_of_month,
        tier,
        model_version,
        segment_id,
        segment_name,
        count(*) as customers,
        sum(revenue) as revenue,
    from segmented_customers
    group by all
),

final as (
    select
        as_of_month,
        tier,
        model_version,
        segment_id,
        segment_name,
        customers,
        revenue,
        cast(customers as double)
        / nullif(sum(customers) over (partition by as_of_month, tier), 0) as share_of_tier,
        cast(customers as double)
        / nullif(
            sum(customers) over (partition by as_of_month, model_version, segment_id), 0
        ) as share_of_segment,
    from crosstab
)

select * from final
