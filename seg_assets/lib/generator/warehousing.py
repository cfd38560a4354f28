"""WMS records: a pick per shipment line, a pack per shipment, monthly dedicated storage."""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.generator.customers import CustomerUniverse
from seg_assets.lib.generator.demand import DemandPlan
from seg_assets.lib.generator.logistics import ShipmentBatch
from seg_assets.lib.generator.orders import OrderBatch
from seg_assets.lib.generator.products import ProductCatalogue
from seg_assets.lib.generator.time_window import TimeWindow

PICK_SHIFT_START_HOURS = 6.0
PICK_WINDOW_HOURS = 4.0
PACK_SHIFT_START_HOURS = 10.0
PACK_WINDOW_HOURS = 2.0
PALLET_FILL_FACTOR = 4.0


@dataclass(frozen=True)
class ActivityBatch:
    """Picks and packs of one month's shipments, each pack right after its shipment's picks."""

    is_pack: np.ndarray
    shipment: np.ndarray
    order_line: np.ndarray
    units: np.ndarray
    timestamp: np.ndarray
    labor_minutes: np.ndarray


@dataclass(frozen=True)
class StorageBatch:
    """Pallet-days of dedicated stock per customer in one month."""

    customer: np.ndarray
    warehouse: np.ndarray
    pallet_days: np.ndarray


def _shift_times(
    dates: np.ndarray, start_hours: float, window_hours: float, rng: np.random.Generator
) -> np.ndarray:
    seconds = np.round((start_hours + rng.random(dates.size) * window_hours) * 3600).astype(
        np.int64
    )
    return dates.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def warehouse_activity(
    batch: OrderBatch,
    shipments: ShipmentBatch,
    catalogue: ProductCatalogue,
    rng: np.random.Generator,
) -> ActivityBatch:
    """Draw pick and pack events with plausible labour minutes.

    Full pallets are moved by forklift in minutes; loose units are picked piece by piece.

    Parameters
    ----------
    batch
        The month's orders and lines.
    shipments
        Their shipments and shipment lines.
    catalogue
        Products (units per pallet).
    rng
        This month's warehouse stream.
    """
    product = batch.product[shipments.line_order_line]
    quantity = shipments.line_quantity
    per_pallet = catalogue.units_per_pallet[product]
    full_pallets = quantity // per_pallet
    loose = quantity % per_pallet
    pick_minutes = (0.9 + 3.5 * full_pallets + 0.22 * loose**0.8) * np.exp(
        rng.normal(0, 0.2, quantity.size)
    )
    pick_time = _shift_times(
        shipments.ship_date[shipments.line_shipment],
        PICK_SHIFT_START_HOURS,
        PICK_WINDOW_HOURS,
        rng,
    )

    n = shipments.count
    units = np.bincount(shipments.line_shipment, weights=quantity, minlength=n).astype(np.int64)
    lines = np.bincount(shipments.line_shipment, minlength=n)
    pallets = np.bincount(shipments.line_shipment, weights=quantity / per_pallet, minlength=n)
    pack_minutes = (2.5 + 0.6 * lines + 0.04 * units**0.85 + 3.0 * pallets) * np.exp(
        rng.normal(0, 0.2, n)
    )
    pack_time = _shift_times(shipments.ship_date, PACK_SHIFT_START_HOURS, PACK_WINDOW_HOURS, rng)

    shipment = np.concatenate([shipments.line_shipment, np.arange(n)])
    is_pack = np.concatenate([np.zeros(quantity.size, bool), np.ones(n, bool)])
    ordering = np.argsort(shipment * 2 + is_pack, kind="stable")
    return ActivityBatch(
        is_pack=is_pack[ordering],
        shipment=shipment[ordering],
        order_line=np.concatenate([shipments.line_order_line, np.full(n, -1)])[ordering],
        units=np.concatenate([quantity, units])[ordering],
        timestamp=np.concatenate([pick_time, pack_time])[ordering],
        labor_minutes=np.round(np.concatenate([pick_minutes, pack_minutes]), 2)[ordering],
    )


def monthly_storage(
    month: int,
    universe: CustomerUniverse,
    plan: DemandPlan,
    catalogue: ProductCatalogue,
    window: TimeWindow,
    rng: np.random.Generator,
) -> StorageBatch:
    """Pallet-days held for customers with dedicated stock in ``month``.

    The stock level follows the customer's usual volume (weeks of cover) and moves partly with
    the month's orders; project customers keep stock between bursts.

    Parameters
    ----------
    month
        Window month (0-based).
    universe
        Customers (dedicated-stock flag, lifecycle, warehouse).
    plan
        Order counts, to relate the month's stock to the customer's usual volume.
    catalogue
        Products (typical units per pallet).
    window
        The order window.
    rng
        This month's storage stream.
    """
    behaviour = universe.behaviour
    lifecycle = universe.lifecycle
    alive_months = np.maximum(lifecycle.last_month - lifecycle.first_month + 1, 1)
    usual_orders = plan.order_counts.sum(axis=1) / alive_months
    holds_stock = (
        behaviour.dedicated_stock
        & (lifecycle.first_month <= month)
        & (lifecycle.last_month >= month)
        & (usual_orders > 0)
    )
    customer = np.flatnonzero(holds_stock)
    usual_units = (
        usual_orders[customer] * behaviour.lines_mean[customer] * (behaviour.units_median[customer])
    )
    typical_pallet = float(np.median(catalogue.units_per_pallet))
    # Every SKU holds its own, partly empty pallet place: stock takes ~4x the pallets its units
    # would fill if packed densely.
    base = np.maximum(
        1.0,
        usual_units / typical_pallet * behaviour.stock_cover_months[customer] * PALLET_FILL_FACTOR,
    )
    activity = np.minimum(plan.order_counts[customer, month] / usual_orders[customer], 3.0)
    level = base * (0.4 + 0.6 * activity) * np.exp(rng.normal(0, 0.1, customer.size))
    pallet_days = np.round(level * window.days_in_month[month], 1)
    return StorageBatch(
        customer=customer,
        warehouse=universe.warehouse[customer, 0],
        pallet_days=pallet_days,
    )
