-- Activity-based cost-to-serve, traceable line by line: each finance cost pool of a month
-- (staging.stg_finance__cost_pools, one row per cost_pool_id) shared among the objects carrying
-- its driver in that month (settings.cost_pool_drivers; volumes from
-- intermediate.int_cost_driver_volumes). One row per pool x object with the driver, the
-- object's driver_quantity, the pool's total driver volume, the rate (pool amount / total
-- volume, per driver unit) and allocated_amount. Allocation is exact to the cent: each object
-- gets the floor of its share of the pool in cents and the leftover cents go to the largest
-- remainders (rounded to a millionth of a cent so floating-point noise never decides; ties go
-- to the lowest object_id), so a pool's rows always sum to the pool. A pool with no driver in
-- the settings, or whose driver has no volume in its month, is not dropped: it stays whole on
-- one row with allocated_to 'unallocated', no customer, and unallocated_reason
-- 'no_driver_configured' or 'no_driver_volume' (the warning check every_cost_pool_has_driver
-- lists them). Partitioned by cost month.
-- @partition_column: cost_month
-- @column cost_month: First day of the cost pool's month (the partition).
-- @column cost_pool_id: Finance cost pool identifier.
-- @column cost_pool: Cost pool name (e.g. warehouse_picking).
-- @column pool_amount: The pool's whole amount (EUR).
-- @column cost_driver: Driver that allocates the pool (settings.cost_pool_drivers); null when
--     none is configured.
-- @column allocated_to: Kind of object carrying the driver ('order_line', 'order', 'invoice',
--     'customer') or 'unallocated'.
-- @column object_id: Identifier of that object; null on an unallocated row.
-- @column customer_key: Golden customer of the object; null on an unallocated row.
-- @column order_id: Sales order of the object, where it has one.
-- @column order_line_id: Order line of the object, where it is one.
-- @column driver_quantity: The object's volume of the driver in the month.
-- @column pool_driver_quantity: The driver's total volume over the pool's objects.
-- @column driver_rate: pool_amount / pool_driver_quantity (EUR per driver unit).
-- @column allocated_amount: The object's share of the pool, exact to the cent (EUR).
-- @column is_unallocated: The pool stays whole on this row (no driver or no volume).
-- @column unallocated_reason: 'no_driver_configured' or 'no_driver_volume'; null when
--     allocated.
with

cost_pools as (
    select * from staging.stg_finance__cost_pools
    where cost_month >= $month_start and cost_month < $month_end
),

pool_drivers as (
    select * from settings.cost_pool_drivers
),

driver_volumes as (
    select * from intermediate.int_cost_driver_volumes
    where cost_month >= $month_start and cost_month < $month_end
),

pool_objects as (
    select
        cost_pools.cost_pool_id,
        cost_pools.cost_month,
        cost_pools.cost_pool,
        cost_pools.amount as pool_amount,
        pool_drivers.cost_driver,
        coalesce(driver_volumes.allocated_to, 'unallocated') as allocated_to,
        driver_volumes.object_id,
        driver_volumes.customer_key,
        driver_volumes.order_id,
        driver_volumes.order_line_id,
        driver_volumes.driver_quantity,
        sum(driver_volumes.driver_quantity) over (partition by cost_pools.cost_pool_id)
            as pool_driver_quantity,
        case
            when pool_drivers.cost_pool is null then 'no_driver_configured'
            when driver_volumes.object_id is null then 'no_driver_volume'
        end as unallocated_reason,
    from cost_pools
    left join pool_drivers
        on cost_pools.cost_pool = pool_drivers.cost_pool
    left join driver_volumes
        on pool_drivers.cost_driver = driver_volumes.cost_driver
        and pool_drivers.allocated_to = driver_volumes.allocated_to
        and cost_pools.cost_month = driver_volumes.cost_month
),

cents as (
    select
        *,
        cast(round(pool_amount * 100) as bigint) as pool_cents,
        round(
            case
                when unallocated_reason is null
                    then cast(round(pool_amount * 100) as double)
                    * driver_quantity / pool_driver_quantity
                else cast(round(pool_amount * 100) as double)
            end,
            6
        ) as exact_cents,
    from pool_objects
),

ranked as (
    select
        *,
        floor(exact_cents) as floor_cents,
        pool_cents - sum(floor(exact_cents)) over (partition by cost_pool_id) as leftover_cents,
        row_number() over (
            partition by cost_pool_id
            order by round(exact_cents - floor(exact_cents), 6) desc, object_id
        ) as remainder_rank,
    from cents
),

final as (
    select
        cost_month,
        cost_pool_id,
        cost_pool,
        pool_amount,
        cost_driver,
        allocated_to,
        object_id,
        customer_key,
        order_id,
        order_line_id,
        driver_quantity,
        pool_driver_quantity,
        cast(pool_amount as double) / pool_driver_quantity as driver_rate,
        cast(
            (floor_cents + case when remainder_rank <= leftover_cents then 1 else 0 end) / 100
            as decimal(18, 2)
        ) as allocated_amount,
        unallocated_reason is not null as is_unallocated,
        unallocated_reason,
    from ranked
)

select * from final
