"""Planted drift: customers that switch archetype and a market-wide shift in order-line size.

Drift draws only from streams of its own (``drift*``), so everything it does not change is
exactly what a run without drift writes.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
import polars as pl

from seg_assets.lib.generator.archetypes import ARCHETYPE_NAMES, CustomerBehaviour, draw_behaviour
from seg_assets.lib.generator.customers import CustomerUniverse
from seg_assets.lib.generator.demand import DemandPlan, Lifecycle, plan_demand_at_scale
from seg_assets.lib.generator.orders import OrderBatch, generate_orders, merge_orders, select_orders
from seg_assets.lib.generator.products import ProductCatalogue
from seg_assets.lib.generator.random_streams import random_stream
from seg_assets.lib.generator.settings import ArchetypeSwitch, GeneratorSettings, MarketShift
from seg_assets.lib.generator.time_window import TimeWindow

# Behaviour a switched customer keeps: payment terms are master data (the ERP record's terms),
# dedicated stock is a warehouse contract; everything else follows the new archetype.
KEPT_BEHAVIOUR = frozenset({"payment_terms", "dedicated_stock", "stock_cover_months"})
SWITCH_TRUTH_SCHEMA = {
    "customer_id": pl.String,
    "from_archetype": pl.String,
    "to_archetype": pl.String,
    "from_month": pl.Date,
}
EPISODE_TRUTH_SCHEMA = {"from_month": pl.Date, "kind": pl.String, "description": pl.String}


@dataclass(frozen=True)
class PlantedDrift:
    """The drift of one generation: who switches, their new orders, the market shift.

    Attributes
    ----------
    seed
        Root seed (the switched customers' monthly orders come from ``drift_orders``).
    from_month
        First drifted window month; ``months`` (never) without drift.
    units_factor
        Market shift of units per order line (1.0 without).
    switched
        Customer numbers that switch archetype, sorted.
    universe
        The customers with the switched customers' new behaviour.
    order_counts
        Orders per switched customer (rows of ``switched``) and month under the new behaviour;
        zero before ``from_month``.
    orders_added, orders_removed
        Orders the switched customers place under the new behaviour, and the orders they would
        have placed under the old one in the same months.
    lines_added
        Expected order lines added net of the lines removed.
    truth_switches
        ``archetype_switches.csv``: customer_id, from_archetype, to_archetype, from_month.
    truth_episodes
        ``drift_episodes.csv``: from_month, kind, description.
    """

    seed: int
    from_month: int
    units_factor: float
    switched: np.ndarray
    universe: CustomerUniverse
    order_counts: np.ndarray
    orders_added: int
    orders_removed: int
    lines_added: float
    truth_switches: pl.DataFrame
    truth_episodes: pl.DataFrame

    def units_factor_in(self, month: int) -> float:
        """Factor on units per order line in ``month`` (1.0 before the drift)."""
        return self.units_factor if month >= self.from_month else 1.0

    def switches_in(self, month: int) -> bool:
        """Whether switched customers order under their new behaviour in ``month``."""
        return self.switched.size > 0 and month >= self.from_month

    def customers_in(self, month: int, universe: CustomerUniverse) -> CustomerUniverse:
        """The customers whose behaviour drives ``month``'s orders, returns and payments."""
        return self.universe if self.switches_in(month) else universe

    def switch_orders(
        self,
        batch: OrderBatch,
        catalogue: ProductCatalogue,
        extra_lines_factor: float,
        window: TimeWindow,
    ) -> OrderBatch:
        """Replace the switched customers' orders of a month by orders of their new behaviour.

        The other customers' orders are kept exactly as drawn.

        Parameters
        ----------
        batch
            The month's orders as drawn without the switch.
        catalogue
            Products to order.
        extra_lines_factor
            The demand plan's factor on lines beyond the first.
        window
            The order window.
        """
        month = batch.month
        if not self.switches_in(month):
            return batch
        switched = np.zeros(self.universe.size, dtype=bool)
        switched[self.switched] = True
        counts = np.zeros(self.universe.size, dtype=np.int64)
        counts[self.switched] = self.order_counts[:, month]
        new_orders = generate_orders(
            month,
            self.universe,
            catalogue,
            counts,
            extra_lines_factor,
            window,
            random_stream(self.seed, "drift_orders", month),
            units_factor=self.units_factor_in(month),
        )
        return merge_orders(select_orders(batch, ~switched[batch.customer]), new_orders)


def _switched_behaviour(
    behaviour: CustomerBehaviour, switched: np.ndarray, new: CustomerBehaviour
) -> CustomerBehaviour:
    """``behaviour`` with the rows of ``switched`` taken from ``new`` (kept fields aside)."""
    changes = {}
    for field in dataclasses.fields(CustomerBehaviour):
        if field.name in KEPT_BEHAVIOUR:
            continue
        values = getattr(behaviour, field.name).copy()
        values[switched] = getattr(new, field.name)
        changes[field.name] = values
    return dataclasses.replace(behaviour, **changes)


def _switch_episode(switch: ArchetypeSwitch, switched: int, candidates: int) -> str:
    return (
        f"{switched} of {candidates} customers of {', '.join(switch.from_archetypes)}"
        f" (share {switch.share:g}) behave as {switch.to_archetype} from this month on:"
        " order rate, lines per order, units per line, returns, product velocity mix,"
        " discount, channel and payment delay; identity, master data, payment terms,"
        " dedicated stock and earlier orders unchanged"
    )


def _shift_episode(shift: MarketShift) -> str:
    factor = shift.units_per_line_factor
    return (
        f"units per order line of every customer x {factor:g} from this month on"
        f" (order sizes {factor - 1:+.0%}); order counts and lines unchanged"
    )


def plant_drift(
    settings: GeneratorSettings,
    window: TimeWindow,
    universe: CustomerUniverse,
    plan: DemandPlan,
) -> PlantedDrift:
    """Choose the switched customers, draw their new behaviour and orders, write the truth.

    Parameters
    ----------
    settings
        Generator settings; ``settings.drift`` ``None`` gives a drift that changes nothing.
    window
        The order window.
    universe
        Customers as generated without drift.
    plan
        The demand plan without drift (its scale sets the switched customers' volume).
    """
    drift, seed = settings.drift, settings.seed
    no_switch = np.zeros(0, dtype=np.int64)
    if drift is None:
        return PlantedDrift(
            seed=seed,
            from_month=window.months,
            units_factor=1.0,
            switched=no_switch,
            universe=universe,
            order_counts=np.zeros((0, window.months), dtype=np.int64),
            orders_added=0,
            orders_removed=0,
            lines_added=0.0,
            truth_switches=pl.DataFrame(schema=SWITCH_TRUTH_SCHEMA),
            truth_episodes=pl.DataFrame(schema=EPISODE_TRUTH_SCHEMA),
        )
    month = settings.drift_month
    assert month is not None
    switch, shift = drift.archetype_switch, drift.market_shift
    episodes = []
    switched, counts, drifted = no_switch, np.zeros((0, window.months), np.int64), universe
    orders_removed, lines_added = 0, 0.0
    truth_switches = pl.DataFrame(schema=SWITCH_TRUTH_SCHEMA)
    if switch is not None:
        behaviour = universe.behaviour
        sources = [ARCHETYPE_NAMES.index(name) for name in switch.from_archetypes]
        candidates = np.flatnonzero(np.isin(behaviour.archetype, sources))
        count = min(round(switch.share * candidates.size), candidates.size)
        switched = np.sort(
            random_stream(seed, "drift").choice(candidates, size=count, replace=False)
        )
        target = np.full(count, ARCHETYPE_NAMES.index(switch.to_archetype), dtype=np.int8)
        new = draw_behaviour(target, random_stream(seed, "drift_behaviour"))
        lifecycle = Lifecycle(
            first_month=universe.lifecycle.first_month[switched],
            last_month=universe.lifecycle.last_month[switched],
        )
        counts = plan_demand_at_scale(
            new, lifecycle, window, plan.intensity_scale, random_stream(seed, "drift_demand")
        )
        counts[:, :month] = 0
        drifted = dataclasses.replace(
            universe, behaviour=_switched_behaviour(behaviour, switched, new)
        )
        removed = plan.order_counts[switched, month:]
        orders_removed = int(removed.sum())
        factor = plan.extra_lines_factor
        lines_added = float(
            (counts * (1 + factor * (new.lines_mean[:, None] - 1))).sum()
            - (removed * (1 + factor * (behaviour.lines_mean[switched, None] - 1))).sum()
        )
        truth_switches = pl.DataFrame(
            {
                "customer_id": universe.erp_ids(universe.erp_number[switched]),
                "from_archetype": pl.Series(ARCHETYPE_NAMES, dtype=pl.String).gather(
                    behaviour.archetype[switched]
                ),
                "to_archetype": pl.Series([switch.to_archetype] * count, dtype=pl.String),
                "from_month": pl.Series([drift.from_month] * count, dtype=pl.Date),
            },
            schema=SWITCH_TRUTH_SCHEMA,
        ).sort("customer_id")
        episodes.append(("archetype_switch", _switch_episode(switch, count, int(candidates.size))))
    if shift is not None:
        episodes.append(("market_shift", _shift_episode(shift)))
    return PlantedDrift(
        seed=seed,
        from_month=month,
        units_factor=1.0 if shift is None else shift.units_per_line_factor,
        switched=switched,
        universe=drifted,
        order_counts=counts,
        orders_added=int(counts.sum()),
        orders_removed=orders_removed,
        lines_added=lines_added,
        truth_switches=truth_switches,
        truth_episodes=pl.DataFrame(
            {
                "from_month": [drift.from_month] * len(episodes),
                "kind": [kind for kind, _ in episodes],
                "description": [description for _, description in episodes],
            },
            schema=EPISODE_TRUTH_SCHEMA,
        ),
    )
