-- Shipment lines with the shipment's freight cost allocated to them by shipped weight (by
-- shipped units when the shipment's lines carry no weight). Allocation is exact to the cent:
-- each line gets the floor of its share in cents and the leftover cents go to the lines with
-- the largest remainders (rounded to a millionth of a cent so that floating-point noise never
-- decides a tie; ties go to the lowest shipment_line_id), so the lines of a shipment always
-- sum to its freight cost. A missing
-- freight cost stays missing (null) and flagged, for imputation downstream.
with

shipment_lines as (
    select * from staging.stg_tms__shipment_lines
),

shipments as (
    select * from staging.stg_tms__shipments
),

order_lines as (
    select * from staging.stg_erp__order_lines
),

products as (
    select * from staging.stg_erp__products
),

weighted as (
    select
        shipment_lines.shipment_line_id,
        shipment_lines.shipment_id,
        shipment_lines.order_line_id,
        shipment_lines.quantity_shipped,
        shipments.mode,
        shipments.ship_date,
        shipments.delivery_date,
        shipments.is_delivery_before_ship,
        shipments.freight_cost as shipment_freight_cost,
        shipments.is_freight_cost_missing,
        coalesce(shipment_lines.quantity_shipped * products.unit_weight_kg, 0) as line_weight_kg,
    from shipment_lines
    inner join shipments
        on shipment_lines.shipment_id = shipments.shipment_id
    left join order_lines
        on shipment_lines.order_line_id = order_lines.order_line_id
    left join products
        on order_lines.product_id = products.product_id
),

shipment_weights as (
    select
        *,
        -- Weights are doubles: summed as exact decimals, so a line's share (and the cents it
        -- gets) does not depend on the order the window hands the lines over in.
        cast(
            sum(cast(line_weight_kg as decimal(38, 20))) over (partition by shipment_id)
            as double
        ) as shipment_weight_kg,
    from weighted
),

shares as (
    select
        * exclude (shipment_weight_kg),
        case
            when shipment_weight_kg > 0
                then line_weight_kg / shipment_weight_kg
            else quantity_shipped / sum(quantity_shipped) over (partition by shipment_id)
        end as freight_share,
    from shipment_weights
),

cents as (
    select
        *,
        cast(shipment_freight_cost as double) * 100 * freight_share as exact_cents,
        floor(cast(shipment_freight_cost as double) * 100 * freight_share) as floor_cents,
    from shares
),

ranked as (
    select
        *,
        cast(round(shipment_freight_cost * 100) as bigint)
        - sum(floor_cents) over (partition by shipment_id) as leftover_cents,
        row_number() over (
            partition by shipment_id
            order by round(exact_cents - floor_cents, 6) desc, shipment_line_id
        ) as remainder_rank,
    from cents
),

final as (
    select
        shipment_line_id,
        shipment_id,
        order_line_id,
        quantity_shipped,
        mode,
        ship_date,
        delivery_date,
        is_delivery_before_ship,
        line_weight_kg,
        freight_share,
        cast(
            (floor_cents + case when remainder_rank <= leftover_cents then 1 else 0 end) / 100
            as decimal(18, 2)
        ) as freight_cost_allocated,
        is_freight_cost_missing,
    from ranked
)

select * from final
