"""Demand plan: how many orders each customer places in each month of the window."""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.generator.archetypes import ARCHETYPES, CustomerBehaviour, archetype_table
from seg_assets.lib.generator.time_window import TimeWindow

ONBOARDING_SHARE = 0.10  # customers won during the window: no orders before their first month
CHURN_SHARE = 0.06  # customers lost during the window: no orders after their last month


@dataclass(frozen=True)
class Lifecycle:
    """First and last month (inclusive, 0-based) in which each customer can order."""

    first_month: np.ndarray
    last_month: np.ndarray


@dataclass(frozen=True)
class DemandPlan:
    """Orders per customer and month, and the factor that makes lines hit the target.

    ``extra_lines_factor`` scales the lines beyond the first of every order so that the expected
    number of lines, given the drawn order counts, equals the target exactly.
    """

    order_counts: np.ndarray
    expected_orders: np.ndarray
    extra_lines_factor: float
    expected_lines: float
    # Expected orders per unit of intensity (rate x season x trend x noise x activity).
    intensity_scale: float

    @property
    def total_orders(self) -> int:
        """Orders in the whole window."""
        return int(self.order_counts.sum())


def draw_lifecycle(n: int, months: int, rng: np.random.Generator) -> Lifecycle:
    """Draw onboarding and churn months (most customers span the whole window)."""
    first = np.where(
        (rng.random(n) < ONBOARDING_SHARE) & (months > 1), rng.integers(1, max(months, 2), n), 0
    )
    can_churn = first < months - 1
    span = np.maximum(months - 1 - first, 1)
    last = np.where(
        (rng.random(n) < CHURN_SHARE) & can_churn,
        first + np.floor(rng.random(n) * span).astype(np.int64),
        months - 1,
    )
    return Lifecycle(first_month=first.astype(np.int64), last_month=last.astype(np.int64))


def _active_months(archetype: np.ndarray, months: int, rng: np.random.Generator) -> np.ndarray:
    """Burst pattern: a two-state Markov chain per customer; always active where share is 1."""
    share = archetype_table("active_share")[archetype]
    stay = archetype_table("burst_persistence")[archetype]
    bursty = share < 1.0
    # Entry probability chosen so that the chain's long-run active share equals ``share``.
    start = np.where(bursty, share * (1 - stay) / np.where(bursty, 1 - share, 1.0), 1.0)
    u = rng.random((archetype.size, months))
    active = np.empty((archetype.size, months), dtype=bool)
    active[:, 0] = u[:, 0] < share
    for month in range(1, months):
        active[:, month] = np.where(active[:, month - 1], u[:, month] < stay, u[:, month] < start)
    return active | ~bursty[:, None]


def _intensity(
    behaviour: CustomerBehaviour, lifecycle: Lifecycle, window: TimeWindow, rng: np.random.Generator
) -> np.ndarray:
    """Unscaled order intensity per customer and month: rate, season, trend, noise, activity."""
    n, months = behaviour.size, window.months
    month = np.arange(months)
    calendar = np.array([window.calendar_month(m) for m in month])
    season = 1.0 + behaviour.seasonal_amplitude[:, None] * np.cos(
        2 * np.pi * (calendar[None, :] - behaviour.seasonal_peak[:, None]) / 12
    )
    trend = np.exp(behaviour.trend[:, None] * (month[None, :] - (months - 1) / 2))
    shape = archetype_table("month_noise_shape")[behaviour.archetype][:, None]
    noise = rng.gamma(shape, 1.0 / shape, (n, months))
    active = _active_months(behaviour.archetype, months, rng)
    alive = (month[None, :] >= lifecycle.first_month[:, None]) & (
        month[None, :] <= lifecycle.last_month[:, None]
    )
    return behaviour.orders_rate[:, None] * season * trend * noise * active * alive


def _order_counts(
    expected: np.ndarray, archetype: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Whole orders per customer-month around ``expected``."""
    scheduled = np.array([a.scheduled for a in ARCHETYPES])[archetype][:, None]
    # Replenishment buyers order on a schedule: counts vary only by rounding, not by Poisson.
    rounded = np.floor(expected) + (rng.random(expected.shape) < expected - np.floor(expected))
    poisson = rng.poisson(expected)
    return np.where(scheduled, rounded, poisson).astype(np.int64)


def plan_demand(
    behaviour: CustomerBehaviour,
    lifecycle: Lifecycle,
    window: TimeWindow,
    target_lines: int,
    rng: np.random.Generator,
) -> DemandPlan:
    """Draw order counts per customer-month scaled so that lines meet ``target_lines``.

    Parameters
    ----------
    behaviour
        Per-customer behaviour (order rate, seasonality, trend, lines per order).
    lifecycle
        Months in which each customer can order.
    window
        The order window.
    target_lines
        Wanted number of clean order lines in the window.
    rng
        The demand stream.
    """
    intensity = _intensity(behaviour, lifecycle, window, rng)
    scale = target_lines / max(float((intensity * behaviour.lines_mean[:, None]).sum()), 1e-9)
    expected = intensity * scale
    counts = _order_counts(expected, behaviour.archetype, rng)

    orders = counts.sum()
    extra = float((counts * (behaviour.lines_mean[:, None] - 1.0)).sum())
    factor = float(np.clip((target_lines - orders) / extra, 0.0, 3.0)) if extra > 0 else 1.0
    return DemandPlan(
        order_counts=counts,
        expected_orders=expected,
        extra_lines_factor=factor,
        expected_lines=float(orders + factor * extra),
        intensity_scale=scale,
    )


def plan_demand_at_scale(
    behaviour: CustomerBehaviour,
    lifecycle: Lifecycle,
    window: TimeWindow,
    intensity_scale: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Order counts per customer-month for customers joining an existing plan's scale.

    Customers drawn here order like the plan's customers of the same behaviour, without
    rescaling anyone else's orders (used for customers whose behaviour drifts).

    Parameters
    ----------
    behaviour
        Per-customer behaviour of the customers to plan.
    lifecycle
        Months in which each of them can order.
    window
        The order window.
    intensity_scale
        ``DemandPlan.intensity_scale`` of the plan they join.
    rng
        A stream of their own.
    """
    expected = _intensity(behaviour, lifecycle, window, rng) * intensity_scale
    return _order_counts(expected, behaviour.archetype, rng)
