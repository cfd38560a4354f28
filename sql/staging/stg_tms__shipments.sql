-- TMS shipments: ship and delivery dates, mode, weight, distance and freight cost. A missing
-- freight cost is kept and flagged for imputation; a delivery date before the ship date is
-- kept, flagged and not trusted (delivery_date set to null, the sent value kept in
-- source_delivery_date). Shipments with no ID, a repeated ID, no ship date, a ship date after
-- today or a negative weight, cost or distance are quarantined.
with

shipments as (
    select * from raw.tms__shipments
),

cleaned as (
    select
        upper(trim(shipment_id)) as shipment_id,
        upper(trim(order_id)) as order_id,
        trim(carrier) as carrier,
        upper(trim(mode)) as mode,
        upper(trim(origin_warehouse_id)) as origin_warehouse_id,
        trim(destination_postcode) as destination_postcode,
        upper(trim(destination_country)) as destination_country,
        distance_km,
        ship_date,
        case when delivery_date >= ship_date then delivery_date end as delivery_date,
        delivery_date as source_delivery_date,
        coalesce(delivery_date < ship_date, false) as is_delivery_before_ship,
        weight_kg,
        freight_cost,
        freight_cost is null as is_freight_cost_missing,
        upper(trim(currency)) as currency,
        _source_file,
        _source_row,
        min(_source_row) over (partition by upper(trim(shipment_id))) as first_source_row,
    from shipments
),

final as (
    select
        * exclude (first_source_row),
        case
            when shipment_id is null or shipment_id = '' then 'missing_key'
            when _source_row > first_source_row then 'duplicate_key'
            when ship_date is null then 'missing_ship_date'
            when ship_date > current_date then 'future_date'
            when weight_kg < 0 or freight_cost < 0 or distance_km < 0 then 'negative_amount'
        end as quarantine_rule,
    from cleaned
)

select * from final
