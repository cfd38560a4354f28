-- One row per TMS shipment with its freight cost: the TMS freight where it was sent, else an
-- imputed value. Imputation rule (settings.freight_imputation, settings.freight_weight_bands):
-- imputed freight = shipment weight x freight per kg (sum of known freight / sum of their
-- weight) of the shipments with known freight and a positive weight shipped in the SAME month,
-- taken from the first level that has enough of them: 'lane_mode_weight_band' (origin warehouse
-- x destination country x mode x weight band, at least min_known_shipments), then
-- 'mode_weight_band' (mode x weight band, at least min_known_shipments), then 'mode' (any known
-- shipment of the mode); rounded to the cent. A shipment is in the band with the largest from_kg
-- at or below its weight. Rates come only from the shipment's own month, so refreshing one month
-- gives the same values whatever else is loaded. A missing freight with no weight or no known
-- shipment of its mode that month stays null (rule 'not_imputable'). freight_imputation_rule is
-- null for TMS freight; is_freight_imputed flags imputed values, and imputation_rate_per_kg and
-- imputation_known_shipments show the rate used and how many shipments it rests on.
-- Weights are summed as decimals, so a rerun gives identical rates. Partitioned by ship month.
-- @partition_column: ship_month
with

shipments as (
    select * from staging.stg_tms__shipments
    where ship_date >= $month_start and ship_date < $month_end
),

weight_bands as (
    select * from settings.freight_weight_bands
),

imputation as (
    select * from settings.freight_imputation
),

banded as (
    select
        shipments.shipment_id,
        arg_max(weight_bands.weight_band, weight_bands.from_kg) as weight_band,
    from shipments
    inner join weight_bands
        on shipments.weight_kg >= weight_bands.from_kg
    group by shipments.shipment_id
),

shipments_banded as (
    select
        shipments.shipment_id,
        shipments.order_id,
        cast(date_trunc('month', shipments.ship_date) as date) as ship_month,
        shipments.ship_date,
        shipments.mode,
        shipments.origin_warehouse_id,
        shipments.destination_country,
        shipments.weight_kg,
        banded.weight_band,
        shipments.freight_cost as tms_freight_cost,
        shipments.is_freight_cost_missing,
    from shipments
    left join banded
        on shipments.shipment_id = banded.shipment_id
),

known as (
    select * from shipments_banded
    where not is_freight_cost_missing and weight_kg > 0
),

lane_rates as (
    select
        ship_month,
        origin_warehouse_id,
        destination_country,
        mode,
        weight_band,
        count(*) as known_shipments,
        cast(sum(tms_freight_cost) as double)
        / cast(sum(cast(weight_kg as decimal(38, 6))) as double) as rate_per_kg,
    from known
    group by ship_month, origin_warehouse_id, destination_country, mode, weight_band
),

mode_band_rates as (
    select
        ship_month,
        mode,
        weight_band,
        count(*) as known_shipments,
        cast(sum(tms_freight_cost) as double)
        / cast(sum(cast(weight_kg as decimal(38, 6))) as double) as rate_per_kg,
    from known
    group by ship_month, mode, weight_band
),

mode_rates as (
    select
        ship_month,
        mode,
        count(*) as known_shipments,
        cast(sum(tms_freight_cost) as double)
        / cast(sum(cast(weight_kg as decimal(38, 6))) as double) as rate_per_kg,
    from known
    group by ship_month, mode
),

candidates as (
    select
        shipments_banded.*,
        case
            when not shipments_banded.is_freight_cost_missing then null
            when shipments_banded.weight_kg is null then 'not_imputable'
            when lane_rates.known_shipments >= imputation.min_known_shipments
                then 'lane_mode_weight_band'
            when mode_band_rates.known_shipments >= imputation.min_known_shipments
                then 'mode_weight_band'
            when mode_rates.known_shipments >= 1 then 'mode'
            else 'not_imputable'
        end as freight_imputation_rule,
        lane_rates.rate_per_kg as lane_rate_per_kg,
        lane_rates.known_shipments as lane_known_shipments,
        mode_band_rates.rate_per_kg as mode_band_rate_per_kg,
        mode_band_rates.known_shipments as mode_band_known_shipments,
        mode_rates.rate_per_kg as mode_rate_per_kg,
        mode_rates.known_shipments as mode_known_shipments,
    from shipments_banded
    cross join imputation
    left join lane_rates
        on shipments_banded.ship_month = lane_rates.ship_month
        and shipments_banded.origin_warehouse_id = lane_rates.origin_warehouse_id
        and shipments_banded.destination_country = lane_rates.destination_country
        and shipments_banded.mode = lane_rates.mode
        and shipments_banded.weight_band = lane_rates.weight_band
    left join mode_band_rates
        on shipments_banded.ship_month = mode_band_rates.ship_month
        and shipments_banded.mode = mode_band_rates.mode
        and shipments_banded.weight_band = mode_band_rates.weight_band
    left join mode_rates
        on shipments_banded.ship_month = mode_rates.ship_month
        and shipments_banded.mode = mode_rates.mode
),

rated as (
    select
        *,
        case freight_imputation_rule
            when 'lane_mode_weight_band' then lane_rate_per_kg
            when 'mode_weight_band' then mode_band_rate_per_kg
            when 'mode' then mode_rate_per_kg
        end as imputation_rate_per_kg,
        case freight_imputation_rule
            when 'lane_mode_weight_band' then lane_known_shipments
            when 'mode_weight_band' then mode_band_known_shipments
            when 'mode' then mode_known_shipments
        end as imputation_known_shipments,
    from candidates
),

final as (
    select
        shipment_id,
        order_id,
        ship_month,
        ship_date,
        mode,
        origin_warehouse_id,
        destination_country,
        weight_kg,
        weight_band,
        tms_freight_cost,
        cast(
            coalesce(tms_freight_cost, round(weight_kg * imputation_rate_per_kg, 2))
            as decimal(18, 2)
        ) as freight_cost,
        freight_imputation_rule is not null
        and freight_imputation_rule <> 'not_imputable' as is_freight_imputed,
        freight_imputation_rule,
        imputation_rate_per_kg,
        imputation_known_shipments,
    from rated
)

select * from final
