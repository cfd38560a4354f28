"""Behavioural archetypes and the per-customer behaviour drawn around them.

Every parameter is a centre; customers get their own value from a lognormal, gamma or beta draw
around it, so archetypes differ in aggregate but overlap customer by customer.
"""

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class Archetype:
    """Behaviour centre of one archetype (``orders_per_month`` at the default density)."""

    name: str
    # Orders per active month (median across customers) and the lognormal customer spread.
    orders_per_month: float
    orders_spread: float
    # Scheduled buyers (replenishment) order a near-fixed number per month; others are Poisson.
    scheduled: bool
    # Month-to-month gamma noise shape (coefficient of variation = 1/sqrt(shape)).
    month_noise_shape: float
    # Bursts: long-run share of active months and the chance an active month is followed by one.
    active_share: float
    burst_persistence: float
    lines_per_order: float
    lines_spread: float
    # Gamma shape of the per-order lines mean: low values give occasional very long orders.
    lines_dispersion: float
    units_per_line: float
    units_spread: float
    units_line_noise: float
    # Share of lines on fast, medium and slow movers.
    velocity_mix: tuple[float, float, float]
    # Beta parameters of the customer's share of shipped lines that come back.
    return_beta: tuple[float, float]
    reason_mix: tuple[float, float, float, float, float]
    # Days paid after the due date: centre, customer spread, invoice noise; share never paid.
    payment_delay: float
    payment_delay_spread: float
    payment_delay_noise: float
    unpaid_share: float
    payment_terms: tuple[int, ...]
    payment_terms_weights: tuple[float, ...]
    discount: tuple[float, float]
    channel_mix: tuple[float, float, float, float]
    seasonal_amplitude: float
    seasonal_peak: int
    trend_per_month: float
    trend_spread: float
    dedicated_stock_share: float
    # Shipment weight limits (kg) for parcel and the floor for full truck loads.
    parcel_max_kg: float
    ftl_min_kg: float
    lead_days: tuple[int, int]
    ship_lag_days: tuple[int, int]


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        name="large_steady",
        orders_per_month=3.0, orders_spread=0.45, scheduled=True, month_noise_shape=30.0,
        active_share=1.0, burst_persistence=1.0,
        lines_per_order=5.0, lines_spread=0.45, lines_dispersion=8.0,
        units_per_line=36.0, units_spread=0.6, units_line_noise=0.55,
        velocity_mix=(0.72, 0.23, 0.05),
        return_beta=(2.0, 110.0), reason_mix=(0.20, 0.35, 0.05, 0.30, 0.10),
        payment_delay=-1.0, payment_delay_spread=3.0, payment_delay_noise=3.0, unpaid_share=0.002,
        payment_terms=(30, 45, 60), payment_terms_weights=(0.5, 0.3, 0.2),
        discount=(0.06, 0.15), channel_mix=(0.75, 0.10, 0.05, 0.10),
        seasonal_amplitude=0.06, seasonal_peak=10, trend_per_month=0.004, trend_spread=0.004,
        dedicated_stock_share=0.7, parcel_max_kg=25.0, ftl_min_kg=700.0,
        lead_days=(3, 8), ship_lag_days=(0, 2),
    ),
    Archetype(
        name="small_frequent",
        orders_per_month=4.5, orders_spread=0.55, scheduled=False, month_noise_shape=9.0,
        active_share=1.0, burst_persistence=1.0,
        lines_per_order=1.4, lines_spread=0.25, lines_dispersion=4.0,
        units_per_line=3.0, units_spread=0.5, units_line_noise=0.5,
        velocity_mix=(0.55, 0.35, 0.10),
        return_beta=(2.0, 95.0), reason_mix=(0.25, 0.30, 0.15, 0.20, 0.10),
        payment_delay=4.0, payment_delay_spread=4.0, payment_delay_noise=5.0, unpaid_share=0.005,
        payment_terms=(14, 30), payment_terms_weights=(0.4, 0.6),
        discount=(0.0, 0.04), channel_mix=(0.10, 0.60, 0.15, 0.15),
        seasonal_amplitude=0.20, seasonal_peak=12, trend_per_month=0.006, trend_spread=0.008,
        dedicated_stock_share=0.03, parcel_max_kg=70.0, ftl_min_kg=3000.0,
        lead_days=(2, 5), ship_lag_days=(0, 1),
    ),
    Archetype(
        name="project_lumpy",
        orders_per_month=2.0, orders_spread=0.6, scheduled=False, month_noise_shape=2.0,
        active_share=0.25, burst_persistence=0.55,
        lines_per_order=12.0, lines_spread=0.5, lines_dispersion=1.5,
        units_per_line=22.0, units_spread=0.6, units_line_noise=0.9,
        velocity_mix=(0.25, 0.40, 0.35),
        return_beta=(2.5, 95.0), reason_mix=(0.20, 0.25, 0.15, 0.25, 0.15),
        payment_delay=12.0, payment_delay_spread=8.0, payment_delay_noise=8.0, unpaid_share=0.01,
        payment_terms=(30, 60, 90), payment_terms_weights=(0.3, 0.45, 0.25),
        discount=(0.03, 0.10), channel_mix=(0.10, 0.05, 0.40, 0.45),
        seasonal_amplitude=0.30, seasonal_peak=6, trend_per_month=0.0, trend_spread=0.01,
        dedicated_stock_share=0.5, parcel_max_kg=20.0, ftl_min_kg=600.0,
        lead_days=(7, 21), ship_lag_days=(1, 5),
    ),
    Archetype(
        name="high_returns",
        orders_per_month=1.3, orders_spread=0.5, scheduled=False, month_noise_shape=6.0,
        active_share=1.0, burst_persistence=1.0,
        lines_per_order=2.5, lines_spread=0.4, lines_dispersion=3.0,
        units_per_line=8.0, units_spread=0.7, units_line_noise=0.7,
        velocity_mix=(0.45, 0.40, 0.15),
        return_beta=(22.0, 78.0), reason_mix=(0.35, 0.10, 0.35, 0.15, 0.05),
        payment_delay=6.0, payment_delay_spread=6.0, payment_delay_noise=6.0, unpaid_share=0.008,
        payment_terms=(30,), payment_terms_weights=(1.0,),
        discount=(0.02, 0.06), channel_mix=(0.20, 0.50, 0.15, 0.15),
        seasonal_amplitude=0.15, seasonal_peak=12, trend_per_month=0.002, trend_spread=0.006,
        dedicated_stock_share=0.05, parcel_max_kg=35.0, ftl_min_kg=1500.0,
        lead_days=(3, 8), ship_lag_days=(0, 3),
    ),
    Archetype(
        name="long_tail_occasional",
        orders_per_month=0.13, orders_spread=0.6, scheduled=False, month_noise_shape=2.0,
        active_share=1.0, burst_persistence=1.0,
        lines_per_order=2.0, lines_spread=0.4, lines_dispersion=3.0,
        units_per_line=4.0, units_spread=0.7, units_line_noise=0.7,
        velocity_mix=(0.20, 0.35, 0.45),
        return_beta=(1.5, 95.0), reason_mix=(0.20, 0.30, 0.15, 0.25, 0.10),
        payment_delay=25.0, payment_delay_spread=12.0, payment_delay_noise=10.0,
        unpaid_share=0.03,
        payment_terms=(14, 30), payment_terms_weights=(0.3, 0.7),
        discount=(0.0, 0.02), channel_mix=(0.05, 0.35, 0.35, 0.25),
        seasonal_amplitude=0.10, seasonal_peak=4, trend_per_month=-0.004, trend_spread=0.01,
        dedicated_stock_share=0.02, parcel_max_kg=30.0, ftl_min_kg=1500.0,
        lead_days=(4, 14), ship_lag_days=(1, 5),
    ),
)  # fmt: skip

ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in ARCHETYPES)


def archetype_table(attribute: str) -> np.ndarray:
    """One archetype attribute as an array indexed by archetype number."""
    if attribute not in {f.name for f in fields(Archetype)}:
        raise KeyError(f"Archetype has no attribute {attribute!r}")
    return np.array([getattr(a, attribute) for a in ARCHETYPES], dtype=float)


@dataclass(frozen=True)
class CustomerBehaviour:
    """Per-customer behaviour, one entry per real customer (arrays of equal length)."""

    archetype: np.ndarray
    orders_rate: np.ndarray
    lines_mean: np.ndarray
    units_median: np.ndarray
    velocity_cdf: np.ndarray
    return_rate: np.ndarray
    payment_delay: np.ndarray
    payment_terms: np.ndarray
    discount: np.ndarray
    primary_channel: np.ndarray
    seasonal_amplitude: np.ndarray
    seasonal_peak: np.ndarray
    trend: np.ndarray
    dedicated_stock: np.ndarray
    stock_cover_months: np.ndarray

    @property
    def size(self) -> int:
        """Number of customers."""
        return int(self.archetype.size)


def assign_archetypes(n: int, shares: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """Archetype number per customer, with counts matching the shares as closely as possible."""
    p = np.array([shares[name] for name in ARCHETYPE_NAMES], dtype=float)
    p = p / p.sum()
    counts = np.floor(p * n).astype(np.int64)
    # Hand the rounding remainder to the largest fractional parts (deterministic).
    remainder = n - counts.sum()
    counts[np.argsort(-(p * n - counts), kind="stable")[:remainder]] += 1
    return rng.permutation(np.repeat(np.arange(len(ARCHETYPES), dtype=np.int8), counts))


def draw_behaviour(archetype: np.ndarray, rng: np.random.Generator) -> CustomerBehaviour:
    """Draw each customer's own behaviour around its archetype's centre.

    Parameters
    ----------
    archetype
        Archetype number per customer (index into ``ARCHETYPES``).
    rng
        The customers' behaviour stream.
    """
    n = archetype.size

    def column(attribute: str) -> np.ndarray:
        return archetype_table(attribute)[archetype]

    def lognormal(centre: str, spread: str) -> np.ndarray:
        return column(centre) * np.exp(column(spread) * rng.standard_normal(n))

    orders_rate = lognormal("orders_per_month", "orders_spread")
    lines_mean = 1.0 + (column("lines_per_order") - 1.0) * np.exp(
        column("lines_spread") * rng.standard_normal(n)
    )
    units_median = lognormal("units_per_line", "units_spread")

    # A Dirichlet around the archetype's velocity mix keeps customers' product mixes distinct.
    mix = np.array([a.velocity_mix for a in ARCHETYPES])[archetype]
    velocity = rng.gamma(mix * 25.0 + 0.3)
    velocity_cdf = np.cumsum(velocity / velocity.sum(axis=1, keepdims=True), axis=1)

    beta = np.array([a.return_beta for a in ARCHETYPES])[archetype]
    return_rate = rng.beta(beta[:, 0], beta[:, 1])

    payment_delay = column("payment_delay") + column("payment_delay_spread") * rng.standard_normal(
        n
    )

    terms = np.zeros(n, dtype=np.int64)
    for index, a in enumerate(ARCHETYPES):
        members = np.flatnonzero(archetype == index)
        weights = np.array(a.payment_terms_weights) / sum(a.payment_terms_weights)
        terms[members] = rng.choice(np.array(a.payment_terms), size=members.size, p=weights)

    discount_range = np.array([a.discount for a in ARCHETYPES])[archetype]
    discount = discount_range[:, 0] + rng.random(n) * (discount_range[:, 1] - discount_range[:, 0])

    channel_cdf = np.cumsum(np.array([a.channel_mix for a in ARCHETYPES]), axis=1)[archetype]
    primary_channel = (rng.random(n)[:, None] > channel_cdf).sum(axis=1).clip(max=3)

    seasonal_amplitude = column("seasonal_amplitude") * rng.uniform(0.4, 1.6, n)
    seasonal_peak = (column("seasonal_peak") - 1 + np.round(rng.normal(0, 1.2, n))) % 12 + 1
    trend = column("trend_per_month") + column("trend_spread") * rng.standard_normal(n)
    dedicated_stock = rng.random(n) < column("dedicated_stock_share")
    stock_cover_months = np.exp(rng.normal(np.log(1.3), 0.35, n))

    return CustomerBehaviour(
        archetype=archetype,
        orders_rate=orders_rate,
        lines_mean=lines_mean,
        units_median=units_median,
        velocity_cdf=velocity_cdf,
        return_rate=return_rate,
        payment_delay=payment_delay,
        payment_terms=terms,
        discount=discount,
        primary_channel=primary_channel.astype(np.int8),
        seasonal_amplitude=seasonal_amplitude,
        seasonal_peak=seasonal_peak.astype(np.int64),
        trend=trend,
        dedicated_stock=dedicated_stock,
        stock_cover_months=stock_cover_months,
    )
