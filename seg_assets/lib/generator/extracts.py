"""Turn one month's generated batches into frames shaped like the landing-file contracts.

Money stays in integer cents here; the writer turns it into ``DECIMAL(18,2)``.
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from seg_assets.lib.generator.customers import CustomerUniverse
from seg_assets.lib.generator.finance import InvoiceBatch
from seg_assets.lib.generator.geography import WAREHOUSES
from seg_assets.lib.generator.logistics import ShipmentBatch
from seg_assets.lib.generator.orders import OrderBatch
from seg_assets.lib.generator.products import ProductCatalogue
from seg_assets.lib.generator.record_ids import format_ids, id_width
from seg_assets.lib.generator.returns import ReturnBatch
from seg_assets.lib.generator.vocabulary import CARRIERS, CHANNELS, RETURN_REASONS, SHIP_MODES
from seg_assets.lib.generator.warehousing import ActivityBatch, StorageBatch

CURRENCY = "EUR"
# (prefix, minimum digits) of the transactional record ids.
ID_FORMATS: dict[str, tuple[str, int]] = {
    "order": ("SO", 7),
    "order_line": ("OL", 8),
    "shipment": ("SH", 7),
    "shipment_line": ("SL", 8),
    "activity": ("WA", 8),
    "return": ("RT", 7),
    "invoice": ("INV", 7),
    "storage": ("ST", 6),
}


@dataclass
class Numbering:
    """Running sequence numbers per record kind, with id widths fixed up front from the scale."""

    widths: dict[str, int]
    next_number: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_scale(
        cls, orders: int, expected_lines: float, customers: int, months: int
    ) -> "Numbering":
        """Widths that fit the planned volume with headroom (ids never change width mid-file)."""
        lines = int(expected_lines * 1.25) + 1000
        upper = {
            "order": orders,
            "order_line": lines,
            "shipment": int(orders * 1.2) + 1000,
            "shipment_line": lines,
            "activity": lines + int(orders * 1.2) + 1000,
            "return": lines,
            "invoice": orders,
            "storage": customers * months,
        }
        return cls({kind: id_width(upper[kind], ID_FORMATS[kind][1]) for kind in ID_FORMATS})

    def take(self, kind: str, count: int) -> np.ndarray:
        """Take the next ``count`` numbers of ``kind`` (starting at 1)."""
        start = self.next_number.get(kind, 1)
        self.next_number[kind] = start + count
        return np.arange(start, start + count, dtype=np.int64)

    def ids(self, kind: str, numbers: np.ndarray) -> pl.Series:
        """Format ids of ``kind`` for ``numbers``."""
        return format_ids(ID_FORMATS[kind][0], numbers, self.widths[kind])


@dataclass(frozen=True)
class MonthIds:
    """Ids of one month's orders, lines and shipments, by position in the batches."""

    order: pl.Series
    order_line: pl.Series
    shipment: pl.Series


def _lookup(values: tuple[str, ...], index: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(index)


def order_frame(batch: OrderBatch, universe: CustomerUniverse, ids: MonthIds) -> pl.DataFrame:
    """``erp__orders`` rows of the batch (clean)."""
    return pl.DataFrame(
        {
            "order_id": ids.order,
            "customer_id": universe.erp_ids(batch.erp_number),
            "order_date": pl.Series(batch.order_date),
            "requested_delivery_date": pl.Series(batch.requested_date),
            "channel": _lookup(CHANNELS, batch.channel),
            "currency": pl.repeat(CURRENCY, batch.order_count, eager=True),
        }
    )


def order_line_frame(batch: OrderBatch, catalogue: ProductCatalogue, ids: MonthIds) -> pl.DataFrame:
    """``erp__order_lines`` rows of the batch (clean; promised date as ISO text)."""
    return pl.DataFrame(
        {
            "order_line_id": ids.order_line,
            "order_id": ids.order.gather(batch.line_order),
            "line_number": pl.Series(batch.line_number, dtype=pl.Int32),
            "product_id": catalogue.ids(batch.product),
            "quantity_ordered": pl.Series(batch.quantity, dtype=pl.Int64),
            "unit_price": pl.Series(batch.unit_price_cents),
            "promised_date": pl.Series(batch.promised_date).dt.to_string("%Y-%m-%d"),
        }
    )


def shipment_frame(
    shipments: ShipmentBatch, batch: OrderBatch, universe: CustomerUniverse, ids: MonthIds
) -> pl.DataFrame:
    """``tms__shipments`` rows (clean)."""
    customer = batch.customer[shipments.order]
    carrier_names = np.array(
        [[*CARRIERS[mode], *[""] * (4 - len(CARRIERS[mode]))] for mode in SHIP_MODES]
    )
    return pl.DataFrame(
        {
            "shipment_id": ids.shipment,
            "order_id": ids.order.gather(shipments.order),
            "carrier": pl.Series(carrier_names[shipments.mode, shipments.carrier], dtype=pl.String),
            "mode": _lookup(SHIP_MODES, shipments.mode),
            "origin_warehouse_id": _lookup(tuple(w[0] for w in WAREHOUSES), shipments.warehouse),
            "destination_postcode": universe.postcode.gather(customer),
            "destination_country": universe.country.gather(customer),
            "distance_km": pl.Series(shipments.distance_km),
            "ship_date": pl.Series(shipments.ship_date),
            "delivery_date": pl.Series(shipments.delivery_date),
            "weight_kg": pl.Series(shipments.weight_kg),
            "freight_cost": pl.Series(shipments.freight_cents),
            "currency": pl.repeat(CURRENCY, shipments.count, eager=True),
        }
    )


def shipment_line_frame(
    shipments: ShipmentBatch, ids: MonthIds, numbers: np.ndarray, numbering: Numbering
) -> pl.DataFrame:
    """``tms__shipment_lines`` rows."""
    return pl.DataFrame(
        {
            "shipment_line_id": numbering.ids("shipment_line", numbers),
            "shipment_id": ids.shipment.gather(shipments.line_shipment),
            "order_line_id": ids.order_line.gather(shipments.line_order_line),
            "quantity_shipped": pl.Series(shipments.line_quantity, dtype=pl.Int32),
        }
    )


def activity_frame(
    activity: ActivityBatch,
    shipments: ShipmentBatch,
    ids: MonthIds,
    numbers: np.ndarray,
    numbering: Numbering,
) -> pl.DataFrame:
    """``wms__activity`` rows: picks carry their order line, packs do not."""
    line = pl.Series(np.maximum(activity.order_line, 0))
    return pl.DataFrame(
        {
            "activity_id": numbering.ids("activity", numbers),
            "warehouse_id": _lookup(
                tuple(w[0] for w in WAREHOUSES), shipments.warehouse[activity.shipment]
            ),
            "activity_type": pl.Series(np.where(activity.is_pack, "pack", "pick"), dtype=pl.String),
            "order_id": ids.order.gather(shipments.order[activity.shipment]),
            "order_line_id": ids.order_line.gather(line),
            "shipment_id": ids.shipment.gather(activity.shipment),
            "units": pl.Series(activity.units, dtype=pl.Int32),
            "activity_ts": pl.Series(activity.timestamp.astype("datetime64[us]")),
            "labor_minutes": pl.Series(activity.labor_minutes),
        }
    ).with_columns(
        pl.when(pl.Series(activity.is_pack))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("order_line_id"))
        .alias("order_line_id")
    )


def storage_frame(
    storage: StorageBatch,
    month_start: np.datetime64,
    universe: CustomerUniverse,
    numbers: np.ndarray,
    numbering: Numbering,
) -> pl.DataFrame:
    """``wms__storage`` rows of one month."""
    return pl.DataFrame(
        {
            "storage_id": numbering.ids("storage", numbers),
            "month": pl.Series(np.full(storage.customer.size, month_start)),
            "warehouse_id": _lookup(tuple(w[0] for w in WAREHOUSES), storage.warehouse),
            "customer_id": universe.erp_ids(universe.erp_number[storage.customer]),
            "pallet_days": pl.Series(storage.pallet_days),
        }
    )


def return_frame(
    returns: ReturnBatch,
    batch: OrderBatch,
    universe: CustomerUniverse,
    ids: MonthIds,
    numbers: np.ndarray,
    numbering: Numbering,
) -> pl.DataFrame:
    """``erp__returns`` rows; the customer is the ERP record the order was placed under."""
    order = batch.line_order[returns.order_line]
    return pl.DataFrame(
        {
            "return_id": numbering.ids("return", numbers),
            "order_line_id": ids.order_line.gather(returns.order_line),
            "customer_id": universe.erp_ids(batch.erp_number[order]),
            "return_date": pl.Series(returns.return_date),
            "quantity_returned": pl.Series(returns.quantity, dtype=pl.Int32),
            "reason_code": _lookup(RETURN_REASONS, returns.reason),
            "credit_amount": pl.Series(returns.credit_cents),
        }
    )


def invoice_frame(
    invoices: InvoiceBatch,
    universe: CustomerUniverse,
    ids: MonthIds,
    numbers: np.ndarray,
    numbering: Numbering,
) -> pl.DataFrame:
    """``finance__invoices`` rows (open invoices have no payment date)."""
    return pl.DataFrame(
        {
            "invoice_id": numbering.ids("invoice", numbers),
            "billing_account_id": universe.billing_ids(invoices.billing_number),
            "order_id": ids.order.gather(invoices.order),
            "invoice_date": pl.Series(invoices.invoice_date),
            "due_date": pl.Series(invoices.due_date),
            "payment_date": pl.Series(invoices.payment_date),
            "amount": pl.Series(invoices.amount_cents),
            "currency": pl.repeat(CURRENCY, invoices.order.size, eager=True),
        }
    )
