-- History of each customer's segment assignment (slowly changing dimension, type 2), derived
-- from the monthly snapshots in segmentation.customer_segments: one row per customer per
-- unbroken run of consecutive published months with the same model version and segment. The
-- published months are the distinct as-of months of segmentation.customer_segments, so a month
-- nothing was published for does not break a run, while a published month in which the
-- customer has no row does (the customer was not segmented then). A new model version starts a
-- new row even when the segment id is unchanged: ids are only meaningful within a version.
-- The validity interval is half-open: [valid_from, valid_to). Rebuilt whole on each run.
-- @column customer_key: Golden customer (mdm.crosswalk).
-- @column segment_id: Segment identifier within the model version.
-- @column segment_name: Segment name under the model version (as last published in the run).
-- @column segment_kind: 'cluster' or 'strategic' (as last published in the run).
-- @column model_version: Segmentation model version that made the assignment.
-- @column valid_from: First published as-of month of the run.
-- @column valid_to: Exclusive end: the published month after the run's last month, the first in
--     which the customer had another assignment or no row; null while the run reaches the
--     latest published month.
-- @column is_current: Whether the run reaches the latest published month (valid_to is null).
-- @column months: Published months in the run (count).
with

customer_segments as (
    select * from segmentation.customer_segments
),

published_months as (
    select
        as_of_month,
        row_number() over (order by as_of_month) as month_number,
    from (select distinct as_of_month from customer_segments) as distinct_months
),

numbered_assignments as (
    select
        customer_segments.customer_key,
        customer_segments.as_of_month,
        customer_segments.model_version,
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_segments.segment_kind,
        published_months.month_number,
    from customer_segments
    inner join published_months
        on customer_segments.as_of_month = published_months.as_of_month
),

previous_assignments as (
    select
        *,
        lag(month_number) over (
            partition by customer_key order by as_of_month
        ) as previous_month_number,
        lag(model_version) over (
            partition by customer_key order by as_of_month
        ) as previous_model_version,
        lag(segment_id) over (
            partition by customer_key order by as_of_month
        ) as previous_segment_id,
    from numbered_assignments
),

run_starts as (
    select
        *,
        case
            when previous_month_number = month_number - 1
                and previous_model_version = model_version
                and previous_segment_id = segment_id
                then 0
            else 1
        end as starts_run,
    from previous_assignments
),

runs_numbered as (
    select
        *,
        sum(starts_run) over (
            partition by customer_key
            order by as_of_month
            rows between unbounded preceding and current row
        ) as run_number,
    from run_starts
),

runs as (
    select
        customer_key,
        run_number,
        model_version,
        segment_id,
        arg_max(segment_name, as_of_month) as segment_name,
        arg_max(segment_kind, as_of_month) as segment_kind,
        min(as_of_month) as valid_from,
        max(month_number) as last_month_number,
        count(*) as months,
    from runs_numbered
    group by customer_key, run_number, model_version, segment_id
),

final as (
    select
        runs.customer_key,
        runs.segment_id,
        runs.segment_name,
        runs.segment_kind,
        runs.model_version,
        runs.valid_from,
        next_months.as_of_month as valid_to,
        next_months.as_of_month is null as is_current,
        runs.months,
    from runs
    left join published_months as next_months
        on runs.last_month_number + 1 = next_months.month_number
)

select * from final
