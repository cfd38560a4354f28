"""Accounts receivable and the general ledger: invoices per order and monthly cost pools.

One invoice per order, dated on the order's last ship date (billing on completion), for the
value actually shipped; orders with nothing shipped, or not complete by the extract date, are not
invoiced yet.
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from seg_assets.lib.generator.archetypes import archetype_table
from seg_assets.lib.generator.customers import CustomerUniverse
from seg_assets.lib.generator.logistics import ShipmentBatch
from seg_assets.lib.generator.orders import OrderBatch
from seg_assets.lib.generator.time_window import TimeWindow, add_days, days_between

DISPUTE_SHARE = 0.05  # invoices paid much later than the customer's habit
DISPUTE_EXTRA_DAYS_GAMMA = (2.0, 12.0)
COST_NOISE_SIGMA = 0.03  # month-to-month wobble of the rate behind each pool

# (pool, id code, driver, euros per driver unit). Drivers: labour minutes of picks and packs,
# pallet-days, shipments, orders, returned lines, receivable euro-days.
COST_POOLS: tuple[tuple[str, str, str, float], ...] = (
    ("warehouse_picking", "PICK", "pick_minutes", 0.78),
    ("warehouse_packing", "PACK", "pack_minutes", 0.74),
    ("warehouse_storage", "STOR", "pallet_days", 0.52),
    ("transport_overhead", "TRAN", "shipments", 7.40),
    ("customer_service", "CUST", "orders", 5.10),
    ("returns_handling", "RETN", "return_lines", 14.50),
    # Cost of capital of 8.5 % a year on open receivables.
    ("credit_carrying", "CRED", "receivable_euro_days", 0.085 / 365),
)


@dataclass(frozen=True)
class InvoiceBatch:
    """Invoices of one month's orders (order positions in the batch)."""

    order: np.ndarray
    billing_number: np.ndarray
    invoice_date: np.ndarray
    due_date: np.ndarray
    payment_date: np.ndarray
    amount_cents: np.ndarray


@dataclass
class CostDrivers:
    """Activity per window month that the cost pools are proportional to."""

    months: int
    totals: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for _, _, driver, _ in COST_POOLS:
            self.totals[driver] = np.zeros(self.months)

    def add(self, driver: str, month: np.ndarray, amount: np.ndarray | float = 1.0) -> None:
        """Add ``amount`` (per event, or one value for all) to the events' months.

        Events outside the window (month -1) belong to no cost pool month and are dropped.
        """
        weights = np.broadcast_to(np.asarray(amount, dtype=float), month.shape)
        inside = month >= 0
        self.totals[driver] += np.bincount(
            month[inside], weights=weights[inside], minlength=self.months
        )[: self.months]


def invoice_orders(
    batch: OrderBatch,
    shipments: ShipmentBatch,
    universe: CustomerUniverse,
    window: TimeWindow,
    rng: np.random.Generator,
) -> InvoiceBatch:
    """Invoice each shipped order; pay it after the terms plus the customer's habitual delay.

    Invoices dated after the extract date have not been issued yet and are left out; payments
    after it are still open.

    Parameters
    ----------
    batch
        The month's orders and lines.
    shipments
        Their planned shipments, including those after the extract date: an order is billed
        when its last shipment leaves.
    universe
        Customers (payment behaviour, billing accounts, terms per ERP record).
    window
        The order window (extract date).
    rng
        This month's finance stream.
    """
    n_orders = batch.order_count
    last_ship = np.full(n_orders, np.datetime64("NaT"), dtype="datetime64[D]")
    first_wave = ~shipments.is_backorder
    # Backorder shipments come after first-wave ones, so assigning them last keeps the latest.
    last_ship[shipments.order[first_wave]] = shipments.ship_date[first_wave]
    last_ship[shipments.order[~first_wave]] = shipments.ship_date[~first_wave]
    shipped_value = np.bincount(
        batch.line_order,
        weights=shipments.shipped_per_order_line * batch.unit_price_cents,
        minlength=n_orders,
    )
    order = np.flatnonzero(~np.isnat(last_ship))
    customer = batch.customer[order]
    behaviour = universe.behaviour
    invoice_date = last_ship[order]
    terms = universe.terms_by_erp_number[batch.erp_number[order]]
    due_date = add_days(invoice_date, terms)

    archetype = behaviour.archetype[customer]
    noise = archetype_table("payment_delay_noise")[archetype]
    delay = behaviour.payment_delay[customer] + noise * rng.standard_normal(order.size)
    disputed = rng.random(order.size) < DISPUTE_SHARE
    delay = delay + np.where(disputed, rng.gamma(*DISPUTE_EXTRA_DAYS_GAMMA, order.size), 0.0)
    payment_date = np.maximum(add_days(due_date, np.round(delay).astype(np.int64)), invoice_date)
    never_paid = rng.random(order.size) < archetype_table("unpaid_share")[archetype]
    open_at_extract = never_paid | (payment_date > window.extract_date)
    payment_date = np.where(open_at_extract, np.datetime64("NaT", "D"), payment_date)

    use_duplicate = (universe.billing_duplicate_number[customer] > 0) & (
        rng.random(order.size) < universe.billing_duplicate_share[customer]
    )
    billing_number = np.where(
        use_duplicate,
        universe.billing_duplicate_number[customer],
        universe.billing_number[customer],
    )
    # Drawn for every planned invoice first, so an earlier extract only leaves invoices out.
    issued = invoice_date <= window.extract_date
    return InvoiceBatch(
        order=order[issued],
        billing_number=billing_number[issued],
        invoice_date=invoice_date[issued],
        due_date=due_date[issued],
        payment_date=payment_date[issued],
        amount_cents=np.round(shipped_value[order[issued]]).astype(np.int64),
    )


def add_receivable_exposure(
    drivers: CostDrivers, invoices: InvoiceBatch, window: TimeWindow
) -> None:
    """Add each invoice's open euro-days to the months it was outstanding in."""
    end = np.where(
        np.isnat(invoices.payment_date),
        window.extract_date + np.timedelta64(1, "D"),
        invoices.payment_date,
    )
    euros = invoices.amount_cents / 100.0
    starts = window.month_starts
    for month in range(window.months):
        overlap = days_between(
            np.minimum(end, starts[month + 1]), np.maximum(invoices.invoice_date, starts[month])
        )
        drivers.totals["receivable_euro_days"][month] += float(
            (euros * np.maximum(overlap, 0)).sum()
        )


def cost_pool_frame(
    drivers: CostDrivers, window: TimeWindow, rng: np.random.Generator
) -> pl.DataFrame:
    """One row per cost pool and month, amount in cents proportional to its driver.

    Parameters
    ----------
    drivers
        Activity totals per month.
    window
        The order window.
    rng
        The cost-pool stream (rate wobble).
    """
    rows = []
    for month, start in enumerate(window.month_starts[:-1]):
        period = str(start.astype("datetime64[M]")).replace("-", "")
        for pool, code, driver, rate in COST_POOLS:
            wobble = float(np.exp(rng.normal(0.0, COST_NOISE_SIGMA)))
            amount = round(drivers.totals[driver][month] * rate * wobble * 100)
            rows.append((f"CP-{period}-{code}", start.item(), pool, amount))
    return pl.DataFrame(
        rows,
        schema={
            "cost_pool_id": pl.String,
            "month": pl.Date,
            "cost_pool": pl.String,
            "amount": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.lit("EUR").alias("currency"))
