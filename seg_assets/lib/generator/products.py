"""Product catalogue with Zipf-like popularity split into fast, medium and slow movers."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from seg_assets.lib.generator.random_streams import random_stream
from seg_assets.lib.generator.record_ids import format_ids, id_width
from seg_assets.lib.generator.time_window import TimeWindow, add_days
from seg_assets.lib.generator.vocabulary import PRODUCT_CATEGORIES, PRODUCT_SIZES

ZIPF_EXPONENT = 1.05
# Popularity ranks: the top 20 % of products are fast movers, the next 30 % medium, rest slow.
VELOCITY_RANK_SHARES = (0.20, 0.30, 0.50)
VELOCITY_NAMES = ("fast", "medium", "slow")
# Price of a typical line item; dearer products are ordered in smaller quantities.
REFERENCE_PRICE = 20.0


@dataclass(frozen=True)
class ProductCatalogue:
    """Products with list price and cost in cents, and popularity within velocity classes."""

    frame: pl.DataFrame
    width: int
    price_cents: np.ndarray
    cost_cents: np.ndarray
    weight_kg: np.ndarray
    units_per_pallet: np.ndarray
    velocity: np.ndarray
    members: tuple[np.ndarray, ...]
    cumulative: tuple[np.ndarray, ...]

    @property
    def size(self) -> int:
        """Number of products."""
        return int(self.price_cents.size)

    def draw(self, velocity_class: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Product index per line, popular products likelier within the requested class."""
        product = np.empty(velocity_class.size, dtype=np.int64)
        u = rng.random(velocity_class.size)
        for cls, (members, cumulative) in enumerate(
            zip(self.members, self.cumulative, strict=True)
        ):
            rows = np.flatnonzero(velocity_class == cls)
            pick = np.searchsorted(cumulative, u[rows], side="right").clip(max=members.size - 1)
            product[rows] = members[pick]
        return product

    def ids(self, products: np.ndarray) -> pl.Series:
        """Product ids (``P00042``) of product indices."""
        return format_ids("P", products + 1, self.width)


def product_count(customers: int) -> int:
    """Catalogue size for a customer base: a tenth of the customers, at least 200."""
    return max(200, customers // 10)


def build_products(customers: int, window: TimeWindow, seed: int) -> ProductCatalogue:
    """Draw the catalogue: names, categories, prices, costs, weights and pallet sizes.

    Parameters
    ----------
    customers
        Number of real customers; the catalogue grows with it.
    window
        The order window (every product is launched before it starts).
    seed
        Root seed.
    """
    rng = random_stream(seed, "products")
    n = product_count(customers)
    categories = list(PRODUCT_CATEGORIES)
    category = rng.integers(0, len(categories), n)
    noun = rng.integers(0, 64, n)
    descriptor = rng.integers(0, 64, n)
    size = rng.integers(0, len(PRODUCT_SIZES), n)
    names = [
        f"{PRODUCT_CATEGORIES[categories[c]][1][d % len(PRODUCT_CATEGORIES[categories[c]][1])]} "
        f"{PRODUCT_CATEGORIES[categories[c]][0][o % len(PRODUCT_CATEGORIES[categories[c]][0])]} "
        f"{PRODUCT_SIZES[s]}"
        for c, o, d, s in zip(category, noun, descriptor, size, strict=True)
    ]
    price = np.exp(rng.normal(np.log(18.0), 1.05, n)).clip(2.0, 500.0)
    price_cents = np.round(price * 100).astype(np.int64)
    cost_cents = np.round(price_cents * rng.uniform(0.55, 0.80, n)).astype(np.int64)
    weight = np.round(np.exp(rng.normal(np.log(1.2), 1.0, n)).clip(0.05, 60.0), 3)
    units_per_pallet = np.round(600.0 / weight * rng.uniform(0.6, 1.2, n)).clip(4, 2000)
    launched = add_days(window.first_day, -rng.integers(30, 3650, n))

    # Popularity is independent of price; rank order is a random permutation of products.
    rank = rng.permutation(n)
    popularity = 1.0 / (rank + 1.0) ** ZIPF_EXPONENT
    bounds = np.cumsum(np.array(VELOCITY_RANK_SHARES) * n).round().astype(np.int64)
    velocity = np.searchsorted(bounds, rank, side="right").astype(np.int8)
    members = tuple(np.flatnonzero(velocity == cls) for cls in range(len(VELOCITY_NAMES)))
    cumulative = tuple(np.cumsum(popularity[m]) / popularity[m].sum() for m in members)
    width = id_width(n, 5)
    frame = pl.DataFrame(
        {
            "product_id": format_ids("P", np.arange(1, n + 1), width),
            "product_name": pl.Series(names, dtype=pl.String),
            "category": pl.Series(categories).gather(category),
            "unit_price": pl.Series(price_cents),
            "unit_cost": pl.Series(cost_cents),
            "unit_weight_kg": pl.Series(weight),
            "units_per_pallet": pl.Series(units_per_pallet.astype(np.int64), dtype=pl.Int32),
            "launched_on": pl.Series(launched),
        }
    )
    return ProductCatalogue(
        frame=frame,
        width=width,
        price_cents=price_cents,
        cost_cents=cost_cents,
        weight_kg=weight,
        units_per_pallet=units_per_pallet.astype(np.int64),
        velocity=velocity,
        members=members,
        cumulative=cumulative,
    )
