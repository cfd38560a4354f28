-- Migration matrix of customers between segmentation model versions: for every ordered pair of
-- distinct trained model versions (both directions), how many customers moved from each
-- segment under from_version to each segment under to_version. A version's assignments are
-- those it made of its own training month (segmentation.model_assignments, kept per version so
-- a later rollback or rerun of that month cannot overwrite them); from_as_of_month and
-- to_as_of_month are the training months (segmentation.model_registry). Customers only under
-- to_version count under from_segment_name 'new customer' (from_segment_id null); customers
-- only under from_version count under to_segment_name 'no longer segmented' (to_segment_id
-- null). Only combinations with customers have a row. Rebuilt whole on each run.
-- @column from_version: Model version the customers migrate from.
-- @column to_version: Model version the customers migrate to.
-- @column from_as_of_month: Month from_version was trained on (its assignments' month).
-- @column to_as_of_month: Month to_version was trained on.
-- @column from_segment_id: Segment under from_version; null for new customers.
-- @column from_segment_name: Segment name under from_version; 'new customer' for customers
--     absent from from_version's assignments.
-- @column to_segment_id: Segment under to_version; null for customers no longer segmented.
-- @column to_segment_name: Segment name under to_version; 'no longer segmented' for customers
--     absent from to_version's assignments.
-- @column customers: Customers making this move (count).
-- @column share_of_from_segment: customers / customers of from_segment_id under from_version,
--     a fraction; null for new customers.
with

model_assignments as (
    select * from segmentation.model_assignments
),

model_registry as (
    select * from segmentation.model_registry
),

version_snapshots as (
    select
        model_version,
        as_of_month as snapshot_month,
    from model_registry
),

snapshot_assignments as (
    select
        model_version,
        customer_key,
        segment_id,
        segment_name,
    from model_assignments
),

version_pairs as (
    select
        from_snapshots.model_version as from_version,
        to_snapshots.model_version as to_version,
        from_snapshots.snapshot_month as from_as_of_month,
        to_snapshots.snapshot_month as to_as_of_month,
    from version_snapshots as from_snapshots
    cross join version_snapshots as to_snapshots
    where from_snapshots.model_version <> to_snapshots.model_version
),

pair_customers as (
    select
        version_pairs.from_version,
        version_pairs.to_version,
        snapshot_assignments.customer_key,
    from version_pairs
    inner join snapshot_assignments
        on version_pairs.from_version = snapshot_assignments.model_version
    union
    select
        version_pairs.from_version,
        version_pairs.to_version,
        snapshot_assignments.customer_key,
    from version_pairs
    inner join snapshot_assignments
        on version_pairs.to_version = snapshot_assignments.model_version
),

moves as (
    select
        version_pairs.from_version,
        version_pairs.to_version,
        version_pairs.from_as_of_month,
        version_pairs.to_as_of_month,
        from_assignments.segment_id as from_segment_id,
        coalesce(from_assignments.segment_name, 'new customer') as from_segment_name,
        to_assignments.segment_id as to_segment_id,
        coalesce(to_assignments.segment_name, 'no longer segmented') as to_segment_name,
        pair_customers.customer_key,
    from pair_customers
    inner join version_pairs
        on pair_customers.from_version = version_pairs.from_version
        and pair_customers.to_version = version_pairs.to_version
    left join snapshot_assignments as from_assignments
        on pair_customers.from_version = from_assignments.model_version
        and pair_customers.customer_key = from_assignments.customer_key
    left join snapshot_assignments as to_assignments
        on pair_customers.to_version = to_assignments.model_version
        and pair_customers.customer_key = to_assignments.customer_key
),

migration as (
    select
        from_version,
        to_version,
        from_as_of_month,
        to_as_of_month,
        from_segment_id,
        from_segment_name,
        to_segment_id,
        to_segment_name,
        count(*) as customers,
    from moves
    group by all
),

final as (
    select
        *,
        case
            when from_segment_id is not null
                then cast(customers as double) / sum(customers) over (
                    partition by from_version, to_version, from_segment_id
                )
        end as share_of_from_segment,
    from migration
)

select * from final
