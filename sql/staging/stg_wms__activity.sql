-- WMS pick and pack events with units handled and labour minutes: the drivers of picking and
-- packing cost. Events with no ID, a repeated ID, a timestamp after today, an activity type
-- other than pick or pack, or negative units or minutes are quarantined.
with

activity as (
    select * from raw.wms__activity
),

cleaned as (
    select
        upper(trim(activity_id)) as activity_id,
        upper(trim(warehouse_id)) as warehouse_id,
        lower(trim(activity_type)) as activity_type,
        upper(trim(order_id)) as order_id,
        nullif(upper(trim(order_line_id)), '') as order_line_id,
        nullif(upper(trim(shipment_id)), '') as shipment_id,
        units,
        activity_ts,
        labor_minutes,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(activity_id))) as first_source_row,
    from activity
),

final as (
    select
        * exclude (first_source_row),
        case
            when activity_id is null or activity_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when cast(activity_ts as date) > current_date then 'future_date'
            when activity_type is null or activity_type not in ('pick', 'pack')
                then 'unknown_activity_type'
            when units < 0 or labor_minutes < 0 then 'negative_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
