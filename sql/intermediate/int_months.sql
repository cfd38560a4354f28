-- The month calendar: the first day of every month from 2000 to 2099. Monthly models take the
-- months of their run's window from it (month >= $month_start and month < $month_end) rather
-- than each generating a series of its own.
with

series as (
    select
        unnest(
            generate_series(date '2000-01-01', date '2099-12-01', interval 1 month)
        ) as month_timestamp
),

final as (
    select cast(month_timestamp as date) as month
    from series
)

select * from final
