"""Customer returns (RMAs) against shipped order lines."""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.generator.archetypes import ARCHETYPES
from seg_assets.lib.generator.customers import CustomerUniverse
from seg_assets.lib.generator.logistics import ShipmentBatch
from seg_assets.lib.generator.orders import OrderBatch
from seg_assets.lib.generator.time_window import TimeWindow, add_days

FULL_LINE_RETURN_SHARE = 0.45  # returns of the whole shipped quantity
LATE_REASON_SHARE_WHEN_LATE = 0.5  # late deliveries are returned as LATE this often
RETURN_DELAY_GAMMA = (2.0, 5.0)  # days after delivery: shape, scale


@dataclass(frozen=True)
class ReturnBatch:
    """Returned order lines (positions in the month's batch) with quantity, date and reason."""

    order_line: np.ndarray
    return_date: np.ndarray
    quantity: np.ndarray
    reason: np.ndarray
    credit_cents: np.ndarray


def draw_returns(
    batch: OrderBatch,
    shipments: ShipmentBatch,
    universe: CustomerUniverse,
    window: TimeWindow,
    rng: np.random.Generator,
) -> ReturnBatch:
    """Draw returns of shipped lines at each customer's own return rate.

    Returns dated after the extract date have not happened yet and are left out.

    Parameters
    ----------
    batch
        The month's orders and lines.
    shipments
        Their fulfilment (shipped quantity, delivery date, lateness per line).
    universe
        Customers (return rate, archetype).
    window
        The order window (extract date).
    rng
        This month's returns stream.
    """
    shipped = shipments.shipped_per_order_line
    customer = batch.customer[batch.line_order]
    returned = (shipped > 0) & (rng.random(shipped.size) < universe.behaviour.return_rate[customer])
    line = np.flatnonzero(returned)
    line_shipped = shipped[line]
    partial = 1 + np.floor(rng.random(line.size) * line_shipped).astype(np.int64)
    quantity = np.where(rng.random(line.size) < FULL_LINE_RETURN_SHARE, line_shipped, partial)
    quantity = np.minimum(quantity, line_shipped)
    delay = 1 + np.round(rng.gamma(*RETURN_DELAY_GAMMA, line.size)).astype(np.int64)
    return_date = add_days(shipments.delivered_on[line], delay)

    archetype = universe.behaviour.archetype[customer[line]]
    reason_cdf = np.cumsum(np.array([a.reason_mix for a in ARCHETYPES]), axis=1)[archetype]
    reason = (rng.random(line.size)[:, None] > reason_cdf[:, :4]).sum(axis=1)
    late_reason = shipments.delivered_late[line] & (
        rng.random(line.size) < LATE_REASON_SHARE_WHEN_LATE
    )
    reason = np.where(late_reason, 4, reason).astype(np.int8)
    credit = quantity * batch.unit_price_cents[line]

    happened = return_date <= window.extract_date
    return ReturnBatch(
        order_line=line[happened],
        return_date=return_date[happened],
        quantity=quantity[happened],
        reason=reason[happened],
        credit_cents=credit[happened],
    )
