"""Sales orders and order lines of one month, drawn from the demand plan."""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.generator.archetypes import ARCHETYPES, archetype_table
from seg_assets.lib.generator.customers import CustomerUniverse
from seg_assets.lib.generator.products import REFERENCE_PRICE, ProductCatalogue
from seg_assets.lib.generator.time_window import TimeWindow, add_days

PRIMARY_CHANNEL_SHARE = 0.85  # orders placed through the customer's usual channel
WEEKEND_ORDER_SHARE = 0.12  # weekend orders kept as placed (web shops do not close)
MAX_LINES_PER_ORDER = 250
PRICE_ELASTICITY = 0.35  # quantity falls with price ** -0.35 relative to the reference price
# Promised date offsets from the requested date and their weights ("± a bit").
PROMISE_OFFSETS = np.array([-1, 0, 0, 0, 0, 1, 1, 2, 3])


@dataclass(frozen=True)
class OrderBatch:
    """Orders of one month (sorted by order date) and their lines (sorted by order, line)."""

    month: int
    customer: np.ndarray
    erp_number: np.ndarray
    order_date: np.ndarray
    requested_date: np.ndarray
    channel: np.ndarray
    line_order: np.ndarray
    line_number: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_price_cents: np.ndarray
    promised_date: np.ndarray

    @property
    def order_count(self) -> int:
        """Orders in the batch."""
        return int(self.customer.size)

    @property
    def line_count(self) -> int:
        """Clean order lines in the batch."""
        return int(self.line_order.size)


def _order_days(month: int, count: int, window: TimeWindow, rng: np.random.Generator) -> np.ndarray:
    """Order dates inside ``month``, mostly on business days."""
    start = window.month_starts[month]
    end = window.month_starts[month + 1]
    days = int((end - start).astype(np.int64))
    dates = add_days(start, np.floor(rng.random(count) * days).astype(np.int64))
    forward = np.busday_offset(dates, 0, roll="forward")
    backward = np.busday_offset(dates, 0, roll="backward")
    moved = np.where(forward < end, forward, backward)
    # If the month has no business day before its end, ``backward`` can precede the month.
    moved = np.where(moved >= start, moved, dates)
    keep_weekend = rng.random(count) < WEEKEND_ORDER_SHARE
    return np.where(keep_weekend, dates, moved)


def generate_orders(
    month: int,
    universe: CustomerUniverse,
    catalogue: ProductCatalogue,
    order_counts: np.ndarray,
    extra_lines_factor: float,
    window: TimeWindow,
    rng: np.random.Generator,
    units_factor: float = 1.0,
) -> OrderBatch:
    """Draw one month's orders and lines.

    Parameters
    ----------
    month
        Window month (0-based).
    universe
        Customers and their behaviour.
    catalogue
        Products to order.
    order_counts
        Orders per customer in this month.
    extra_lines_factor
        Scales the lines beyond the first so the window hits the line target.
    window
        The order window.
    rng
        This month's order stream.
    units_factor
        Multiplies every line's units before rounding (a planted market shift); it draws no
        random numbers, so the other columns stay as they are.
    """
    behaviour = universe.behaviour
    customer = np.repeat(np.arange(universe.size), order_counts)
    n = customer.size
    order_date = _order_days(month, n, window, rng)
    # Order numbers follow time: sort by date, ties in random order.
    order = np.lexsort((rng.random(n), order_date))
    customer, order_date = customer[order], order_date[order]
    archetype = behaviour.archetype[customer]

    lead_low = np.array([a.lead_days[0] for a in ARCHETYPES])[archetype]
    lead_high = np.array([a.lead_days[1] for a in ARCHETYPES])[archetype]
    requested_date = add_days(order_date, rng.integers(lead_low, lead_high + 1))

    channel_cdf = np.cumsum(np.array([a.channel_mix for a in ARCHETYPES]), axis=1)[archetype]
    other_channel = (rng.random(n)[:, None] > channel_cdf).sum(axis=1).clip(max=3)
    channel = np.where(
        rng.random(n) < PRIMARY_CHANNEL_SHARE, behaviour.primary_channel[customer], other_channel
    ).astype(np.int8)

    # Orders under the ERP duplicate: only once it exists, and only for part of the orders.
    use_duplicate = (
        (universe.duplicate_erp_number[customer] > 0)
        & (month >= universe.duplicate_from_month[customer])
        & (rng.random(n) < universe.duplicate_order_share[customer])
    )
    erp_number = np.where(
        use_duplicate, universe.duplicate_erp_number[customer], universe.erp_number[customer]
    )

    dispersion = archetype_table("lines_dispersion")[archetype]
    extra_mean = (behaviour.lines_mean[customer] - 1.0) * extra_lines_factor
    lines = 1 + rng.poisson(extra_mean * rng.gamma(dispersion, 1.0 / dispersion))
    lines = np.minimum(lines, MAX_LINES_PER_ORDER)
    line_order = np.repeat(np.arange(n), lines)
    starts = np.cumsum(lines) - lines
    line_number = np.arange(line_order.size) - np.repeat(starts, lines) + 1

    line_customer = customer[line_order]
    cdf = behaviour.velocity_cdf[line_customer]
    velocity_class = (rng.random(line_order.size)[:, None] > cdf[:, :2]).sum(axis=1)
    product = catalogue.draw(velocity_class, rng)

    noise = archetype_table("units_line_noise")[behaviour.archetype[line_customer]]
    price = catalogue.price_cents[product] / 100.0
    quantity = (
        behaviour.units_median[line_customer]
        * np.exp(noise * rng.standard_normal(line_order.size))
        * (REFERENCE_PRICE / price) ** PRICE_ELASTICITY
        * units_factor
    )
    quantity = np.maximum(1, np.round(quantity)).astype(np.int64)
    quantity = np.minimum(quantity, 20 * catalogue.units_per_pallet[product])
    unit_price_cents = np.round(
        catalogue.price_cents[product] * (1.0 - behaviour.discount[line_customer])
    ).astype(np.int64)

    offset = PROMISE_OFFSETS[rng.integers(0, PROMISE_OFFSETS.size, line_order.size)]
    promised = add_days(requested_date[line_order], offset)
    promised = np.maximum(promised, add_days(order_date[line_order], 1))
    return OrderBatch(
        month=month,
        customer=customer,
        erp_number=erp_number,
        order_date=order_date,
        requested_date=requested_date,
        channel=channel,
        line_order=line_order,
        line_number=line_number,
        product=product,
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        promised_date=promised,
    )


def select_orders(batch: OrderBatch, keep: np.ndarray) -> OrderBatch:
    """The orders of a batch where ``keep`` is true, with their lines, in the same order.

    Parameters
    ----------
    batch
        One month's orders and lines.
    keep
        One flag per order.
    """
    kept = np.flatnonzero(keep)
    position = np.full(batch.order_count, -1, dtype=np.int64)
    position[kept] = np.arange(kept.size)
    lines = np.flatnonzero(keep[batch.line_order])
    return OrderBatch(
        month=batch.month,
        customer=batch.customer[kept],
        erp_number=batch.erp_number[kept],
        order_date=batch.order_date[kept],
        requested_date=batch.requested_date[kept],
        channel=batch.channel[kept],
        line_order=position[batch.line_order[lines]],
        line_number=batch.line_number[lines],
        product=batch.product[lines],
        quantity=batch.quantity[lines],
        unit_price_cents=batch.unit_price_cents[lines],
        promised_date=batch.promised_date[lines],
    )


def merge_orders(first: OrderBatch, second: OrderBatch) -> OrderBatch:
    """One batch of the orders of two batches of the same month, sorted by order date.

    Each batch keeps its own order within a day; on the same day ``first``'s orders come first.

    Parameters
    ----------
    first, second
        Batches of the same month, each sorted by order date.
    """
    order_date = np.concatenate([first.order_date, second.order_date])
    order = np.argsort(order_date, kind="stable")
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    line_order = position[np.concatenate([first.line_order, second.line_order + first.order_count])]
    line_number = np.concatenate([first.line_number, second.line_number])
    lines = np.lexsort((line_number, line_order))

    def orders_of(name: str) -> np.ndarray:
        return np.concatenate([getattr(first, name), getattr(second, name)])[order]

    def lines_of(name: str) -> np.ndarray:
        return np.concatenate([getattr(first, name), getattr(second, name)])[lines]

    return OrderBatch(
        month=first.month,
        customer=orders_of("customer"),
        erp_number=orders_of("erp_number"),
        order_date=orders_of("order_date"),
        requested_date=orders_of("requested_date"),
        channel=orders_of("channel"),
        line_order=line_order[lines],
        line_number=line_number[lines],
        product=lines_of("product"),
        quantity=lines_of("quantity"),
        unit_price_cents=lines_of("unit_price_cents"),
        promised_date=lines_of("promised_date"),
    )
