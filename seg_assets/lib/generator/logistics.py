"""Fulfilment of one month's orders: TMS shipments and lines, WMS picks, packs and storage."""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.generator.archetypes import ARCHETYPES, archetype_table
from seg_assets.lib.generator.customers import SECONDARY_WAREHOUSE_SHARE, CustomerUniverse
from seg_assets.lib.generator.orders import OrderBatch
from seg_assets.lib.generator.products import ProductCatalogue
from seg_assets.lib.generator.time_window import add_days
from seg_assets.lib.generator.vocabulary import CARRIERS, SHIP_MODES

UNSHIPPED_LINE_SHARE = 0.01  # lines never shipped (cancelled or out of stock)
SHORT_SHIPPED_LINE_SHARE = 0.04  # lines shipped with less than ordered
BACKORDER_SHARE_OF_SHORT = 0.5  # short lines whose remainder follows in a backorder shipment
BACKORDER_DELAY_DAYS = (4, 18)
LATE_DELIVERY_SHARE = 0.06
LATE_EXTRA_DAYS = (1, 6)
PREFERRED_CARRIER_SHARE = 0.75
# Transit days by mode (inclusive bounds) before the distance surcharge.
TRANSIT_DAYS = {"PARCEL": (1, 3), "LTL": (2, 5), "FTL": (1, 4)}
TRANSIT_KM_PER_EXTRA_DAY = 900.0


@dataclass(frozen=True)
class ShipmentBatch:
    """Shipments of one month's orders, their lines, and per order-line fulfilment."""

    order: np.ndarray
    is_backorder: np.ndarray
    warehouse: np.ndarray
    mode: np.ndarray
    carrier: np.ndarray
    distance_km: np.ndarray
    ship_date: np.ndarray
    delivery_date: np.ndarray
    weight_kg: np.ndarray
    freight_cents: np.ndarray
    line_shipment: np.ndarray
    line_order_line: np.ndarray
    line_quantity: np.ndarray
    shipped_per_order_line: np.ndarray
    delivered_on: np.ndarray
    delivered_late: np.ndarray

    @property
    def count(self) -> int:
        """Shipments in the batch."""
        return int(self.order.size)

    def shipped_by(self, extract_date: np.datetime64) -> "ShipmentBatch":
        """The shipments that left on or before ``extract_date``, as an extract taken then holds.

        Later shipments and their lines are left out: their orders are still open. Lines count
        as shipped and delivered only through the shipments kept. A backorder always leaves
        after its order's first shipment, so a line's first shipment is kept whenever any is.
        """
        kept = self.ship_date <= extract_date
        if kept.all():
            return self
        line_kept = kept[self.line_shipment]
        position = np.cumsum(kept) - 1
        per_order_line = np.bincount(
            self.line_order_line[line_kept],
            weights=self.line_quantity[line_kept],
            minlength=self.shipped_per_order_line.size,
        ).astype(self.shipped_per_order_line.dtype)
        shipped = per_order_line > 0
        return ShipmentBatch(
            order=self.order[kept],
            is_backorder=self.is_backorder[kept],
            warehouse=self.warehouse[kept],
            mode=self.mode[kept],
            carrier=self.carrier[kept],
            distance_km=self.distance_km[kept],
            ship_date=self.ship_date[kept],
            delivery_date=self.delivery_date[kept],
            weight_kg=self.weight_kg[kept],
            freight_cents=self.freight_cents[kept],
            line_shipment=position[self.line_shipment[line_kept]],
            line_order_line=self.line_order_line[line_kept],
            line_quantity=self.line_quantity[line_kept],
            shipped_per_order_line=per_order_line,
            delivered_on=np.where(shipped, self.delivered_on, np.datetime64("NaT", "D")),
            delivered_late=self.delivered_late & shipped,
        )


def _inclusive(bounds: tuple[int, int]) -> tuple[int, int]:
    """``rng.integers`` bounds that include the upper limit."""
    return bounds[0], bounds[1] + 1


def _freight_cents(
    mode: np.ndarray, weight: np.ndarray, distance: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Carrier tariff by mode, distance and weight, with negotiated-rate noise."""
    parcel = 4.9 + 0.42 * weight + 0.003 * distance
    less_than_truckload = 60.0 + 0.18 * weight * (0.4 + distance / 800.0)
    full_truckload = 180.0 + 1.35 * distance + 0.002 * weight
    tariff = np.choose(mode, [parcel, less_than_truckload, full_truckload])
    noisy = tariff * np.exp(rng.normal(0.0, 0.08, mode.size))
    return np.round(noisy * 100).astype(np.int64)


def ship_orders(
    batch: OrderBatch,
    quantity_to_ship: np.ndarray,
    universe: CustomerUniverse,
    catalogue: ProductCatalogue,
    rng: np.random.Generator,
) -> ShipmentBatch:
    """Plan shipments: one per order, plus one backorder shipment where lines were short.

    Parameters
    ----------
    batch
        The month's orders and lines.
    quantity_to_ship
        Ordered quantity per line, 0 where the line must not ship (e.g. a non-positive
        quantity planted as a fault).
    universe
        Customers (warehouse, distance, preferred carriers, archetype).
    catalogue
        Products (unit weight).
    rng
        This month's logistics stream.
    """
    n_lines = batch.line_count
    u = rng.random(n_lines)
    unshipped = (u < UNSHIPPED_LINE_SHARE) | (quantity_to_ship <= 0)
    short = (
        ~unshipped & (u < UNSHIPPED_LINE_SHARE + SHORT_SHIPPED_LINE_SHARE) & (quantity_to_ship >= 2)
    )
    first_wave = np.where(unshipped, 0, quantity_to_ship)
    short_quantity = 1 + np.floor(rng.random(n_lines) * (quantity_to_ship - 1)).astype(np.int64)
    first_wave = np.where(short, short_quantity, first_wave)
    backorder = short & (rng.random(n_lines) < BACKORDER_SHARE_OF_SHORT)
    second_wave = np.where(backorder, quantity_to_ship - first_wave, 0)

    n_orders = batch.order_count
    has_first = np.bincount(batch.line_order, weights=first_wave > 0, minlength=n_orders) > 0
    has_second = np.bincount(batch.line_order, weights=second_wave > 0, minlength=n_orders) > 0
    first_orders = np.flatnonzero(has_first)
    second_orders = np.flatnonzero(has_second)
    shipment_order = np.concatenate([first_orders, second_orders])
    is_backorder = np.concatenate(
        [np.zeros(first_orders.size, bool), np.ones(second_orders.size, bool)]
    )
    shipment_of_first = np.full(n_orders, -1, dtype=np.int64)
    shipment_of_first[first_orders] = np.arange(first_orders.size)
    shipment_of_second = np.full(n_orders, -1, dtype=np.int64)
    shipment_of_second[second_orders] = first_orders.size + np.arange(second_orders.size)

    customer = batch.customer[shipment_order]
    archetype = universe.behaviour.archetype[customer]

    # Shipment lines: first wave then backorder wave, each in order-line order.
    first_lines = np.flatnonzero(first_wave > 0)
    second_lines = np.flatnonzero(second_wave > 0)
    line_shipment = np.concatenate(
        [
            shipment_of_first[batch.line_order[first_lines]],
            shipment_of_second[batch.line_order[second_lines]],
        ]
    )
    line_order_line = np.concatenate([first_lines, second_lines])
    line_quantity = np.concatenate([first_wave[first_lines], second_wave[second_lines]])
    ordering = np.argsort(line_shipment, kind="stable")
    line_shipment = line_shipment[ordering]
    line_order_line = line_order_line[ordering]
    line_quantity = line_quantity[ordering]

    n_shipments = shipment_order.size
    weight = np.bincount(
        line_shipment,
        weights=line_quantity * catalogue.weight_kg[batch.product[line_order_line]],
        minlength=n_shipments,
    )
    weight = np.round(weight, 2)
    parcel_max = archetype_table("parcel_max_kg")[archetype] * np.exp(
        rng.normal(0, 0.25, n_shipments)
    )
    ftl_min = archetype_table("ftl_min_kg")[archetype] * np.exp(rng.normal(0, 0.25, n_shipments))
    mode = np.where(weight <= parcel_max, 0, np.where(weight >= ftl_min, 2, 1)).astype(np.int8)

    secondary = rng.random(n_shipments) < SECONDARY_WAREHOUSE_SHARE
    warehouse = np.where(
        secondary, universe.warehouse[customer, 1], universe.warehouse[customer, 0]
    )
    distance = np.round(universe.distance_km[customer, warehouse], 1)

    carrier = np.empty(n_shipments, dtype=np.int64)
    for index, name in enumerate(SHIP_MODES):
        rows = np.flatnonzero(mode == index)
        preferred = universe.preferred_carrier[customer[rows], index]
        other = rng.integers(0, len(CARRIERS[name]), rows.size)
        carrier[rows] = np.where(rng.random(rows.size) < PREFERRED_CARRIER_SHARE, preferred, other)

    transit_low = np.array([TRANSIT_DAYS[m][0] for m in SHIP_MODES])[mode]
    transit_high = np.array([TRANSIT_DAYS[m][1] for m in SHIP_MODES])[mode]
    distance_days = (distance // TRANSIT_KM_PER_EXTRA_DAY).astype(np.int64)
    transit = rng.integers(transit_low, transit_high + 1) + distance_days
    late = rng.random(n_shipments) < LATE_DELIVERY_SHARE
    transit = transit + np.where(late, rng.integers(*_inclusive(LATE_EXTRA_DAYS), n_shipments), 0)

    # Planners release a shipment so that the quoted transit lands it on the requested date,
    # within the archetype's handling window after the order.
    first = slice(0, first_orders.size)
    first_archetype = archetype[first]
    lag_low = np.array([a.ship_lag_days[0] for a in ARCHETYPES])[first_archetype]
    lag_high = np.array([a.ship_lag_days[1] for a in ARCHETYPES])[first_archetype]
    quoted_transit = transit_high[first] + distance_days[first]
    slack = rng.integers(0, 2, first_orders.size)
    order_date = batch.order_date[first_orders]
    release = add_days(batch.requested_date[first_orders], -(quoted_transit + slack))
    first_ship = np.clip(release, add_days(order_date, lag_low), add_days(order_date, lag_high))
    ship_date = np.concatenate(
        [
            first_ship,
            add_days(
                first_ship[shipment_of_first[second_orders]],
                rng.integers(*_inclusive(BACKORDER_DELAY_DAYS), second_orders.size),
            ),
        ]
    )
    delivery_date = add_days(ship_date, transit.astype(np.int64))
    freight = _freight_cents(mode, weight, distance, rng)

    shipped = first_wave + second_wave
    # A line's delivery is its first shipment's (the backorder's when nothing went first).
    carrying = np.where(
        first_wave > 0,
        shipment_of_first[batch.line_order],
        shipment_of_second[batch.line_order],
    )
    delivered_on = np.where(
        shipped > 0, delivery_date[np.maximum(carrying, 0)], np.datetime64("NaT", "D")
    )
    delivered_late = (shipped > 0) & (delivered_on > batch.promised_date)
    return ShipmentBatch(
        order=shipment_order,
        is_backorder=is_backorder,
        warehouse=warehouse,
        mode=mode,
        carrier=carrier,
        distance_km=distance,
        ship_date=ship_date,
        delivery_date=delivery_date,
        weight_kg=weight,
        freight_cents=freight,
        line_shipment=line_shipment,
        line_order_line=line_order_line,
        line_quantity=line_quantity,
        shipped_per_order_line=shipped,
        delivered_on=delivered_on,
        delivered_late=delivered_late,
    )
