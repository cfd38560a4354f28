-- Trailing windows of the month calendar: one row per as-of month and every month of
-- intermediate.int_months up to and including it, with how many months back it lies. A model
-- that sums monthly facts over "the as-of month and the window_months - 1 months before it"
-- keeps the rows with months_back < window_months (any window length, whichever settings table
-- holds it) and joins its facts on month = their month, an equi-join, instead of restating
-- date_diff('month', fact_month, as_of_month) between 0 and window_months - 1. Nothing here
-- depends on data: clipping a window at the first month of data stays with the models that
-- do it. Partitioned by as-of month, as the windowed models that read it: a month's refresh
-- rewrites only that as-of month's rows.
-- @partition_column: as_of_month
-- @column as_of_month: First day of the as-of month whose trailing window the row is in.
-- @column month: First day of a month in that window: the as-of month or any calendar month
--    before it (from 2000-01).
-- @column months_back: Months from month to as_of_month: 0 for the as-of month itself, so a
--    window of n months is months_back 0 .. n - 1.
with

as_of_months as (
    select month as as_of_month
    from intermediate.int_months
    where month >= $month_start and month < $month_end
),

months as (
    select * from intermediate.int_months
),

final as (
    select
        as_of_months.as_of_month,
        months.month,
        date_diff('month', months.month, as_of_months.as_of_month) as months_back,
    from as_of_months
    inner join months
        on months.month <= as_of_months.as_of_month
)

select * from final
