"""Soak (issue 18, item 8): 50 consecutive month refreshes driven as the daemon drives them.

Feeds deliver late, corrected and duplicated files, with faults planted in them; after each
delivery the landing sensor is evaluated for real and exactly the runs it requests are executed
(a run key already launched is skipped, as the daemon skips it). Then order lines, revenue and
freight per month in the marts must equal those computed from the landing files then current,
to the cent; no key may repeat in a mart; and the quarantine must hold exactly the planted
faults. Minutes of work: markers ``slow`` and ``soak`` (``make test-soak``, run in CI); ``pytest
-s`` prints the step table.

What the contract says of repeats, and what is asserted: a file delivered again byte for byte
changes nothing and launches nothing; within an extract the first row of an identifier is kept
and every later one is quarantined as ``duplicate_key`` (config/quarantine_rules.yaml), so rows
delivered twice are counted once. A correction therefore replaces its rows in place.
"""

import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from conftest import evaluate_sensor, landing_sensor, requested_months, run_pipeline
from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from seg_assets.defs.automation.landing import REASON_TAG
from seg_assets.defs.resources import LandingFiles
from seg_assets.defs.sources.assets import SOURCE_CONTRACTS
from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.model_runner import month_starts
from seg_assets.lib.project import config_dir
from seg_assets.lib.warehouse import connect_warehouse

pytestmark = [pytest.mark.slow, pytest.mark.soak]

# The soak is 50 steps; SEG_ASSETS_SOAK_STEPS runs the first few of the same plan while
# developing it.
STEPS = int(os.environ.get("SEG_ASSETS_SOAK_STEPS", "50"))
SEED = 20261207
# Small: what a month refresh costs is the pipeline's fixed cost per step, hardly the data's.
SCALE = {"customers": 200, "months": 24, "order_lines": 8_000, "drift": None}
# The daemon's console log of each run at error level only: the step table stays readable.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

ORDERS, LINES = "erp__orders", "erp__order_lines"
SHIPMENTS, SHIPMENT_LINES = "tms__shipments", "tms__shipment_lines"
FEEDS = (ORDERS, LINES, SHIPMENTS, SHIPMENT_LINES)
# Quarantine tables the soak plants faults for: each feed's raw table and its staging model.
CHECKED = {f"{prefix}{feed}" for feed in FEEDS for prefix in ("", "stg_")}
# Rules whose rows follow from another table's quarantine, not from a fault in their own row.
CASCADED = {"unknown_order", "unknown_shipment"}

LATE_ORDERS = "late orders"
LATE_SHIPMENTS = "late shipments"
CORRECTED_LINES = "corrected lines"
CORRECTED_FREIGHT = "corrected freight"
CORRECTED_DATE = "corrected order date"
DUPLICATED = "duplicated rows"
SENT_AGAIN = "earlier delivery again"
# Steps of each kind in the 50; an earlier delivery is always sent again twice in a row, so the
# second one brings back content (and months) that a run was already launched for.
SINGLE_STEPS = {
    LATE_ORDERS: 8,
    LATE_SHIPMENTS: 6,
    CORRECTED_LINES: 8,
    CORRECTED_FREIGHT: 7,
    CORRECTED_DATE: 5,
    DUPLICATED: 8,
}
SENT_AGAIN_PAIRS = 4
IDENTICAL_COPY_SHARE = 0.35


def soak_plan(rng: random.Random) -> list[str]:
    """The kinds of the 50 steps, shuffled; never an earlier delivery first."""
    episodes = [[kind] for kind, count in SINGLE_STEPS.items() for _ in range(count)]
    episodes += [[SENT_AGAIN, SENT_AGAIN] for _ in range(SENT_AGAIN_PAIRS)]
    rng.shuffle(episodes)
    first = next(i for i, episode in enumerate(episodes) if episode[0] != SENT_AGAIN)
    episodes.insert(0, episodes.pop(first))
    return [kind for episode in episodes for kind in episode]


def _key(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_uppercase()


def _month(column: str | pl.Expr) -> pl.Expr:
    value = pl.col(column) if isinstance(column, str) else column
    return value.dt.truncate("1mo")


def _iso_date(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False)


def _file_bytes(rows: pl.DataFrame, path: Path) -> bytes:
    buffer = BytesIO()
    if path.suffix == ".parquet":
        rows.write_parquet(buffer)
    else:
        rows.write_csv(buffer)
    return buffer.getvalue()


def _land(path: Path, content: bytes) -> None:
    """Deliver ``content`` as a feed does: written beside the file, then renamed over it."""
    staged = path.with_name(f".{path.name}.delivery")
    staged.write_bytes(content)
    os.replace(staged, path)


@dataclass
class Feed:
    """One landing file as its feed delivers it: its rows, the quarantine rows the faults
    planted in it must give (by table and rule), and every version delivered."""

    path: Path
    rows: pl.DataFrame
    planted: Counter
    versions: list[tuple[bytes, pl.DataFrame, Counter]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> "Feed":
        rows = (
            pl.read_parquet(path)
            if path.suffix == ".parquet"
            else pl.read_csv(path, infer_schema=False)
        )
        return cls(path, rows, Counter())

    def deliver(self, rows: pl.DataFrame, planted: Counter | None = None) -> None:
        """A new version of the file, with ``planted`` added to its faults."""
        self._land(_file_bytes(rows, self.path), rows, self.planted + (planted or Counter()))

    def deliver_version_before_last(self) -> None:
        """The version delivered before the current one, sent again byte for byte."""
        self._land(*self.versions[-2])

    def _land(self, content: bytes, rows: pl.DataFrame, planted: Counter) -> None:
        _land(self.path, content)
        self.rows, self.planted = rows, planted
        self.versions.append((content, rows, planted))


@dataclass
class Delivery:
    """What one step delivered."""

    kind: str
    month: date | None
    feeds: tuple[str, ...]
    detail: str


@dataclass
class Batch:
    """Rows held back from the first delivery, delivered late: a parent extract's rows (orders
    or shipments) and their lines."""

    month: date
    parents: pl.DataFrame
    lines: pl.DataFrame


class Feeds:
    """The four order and shipment feeds, and what they will deliver late."""

    def __init__(self, landing: Path, truth: Path, fault_counts: dict[str, int], plan: list[str]):
        self.landing = landing
        self.rng = random.Random(SEED + 1)
        self.feeds = {
            name: Feed.read(SOURCE_CONTRACTS[name].landing_file(landing)) for name in FEEDS
        }
        self.feeds[ORDERS].planted = +Counter(
            {
                ("stg_erp__orders", "unknown_customer"): fault_counts["unknown_customer_id"],
                ("stg_erp__orders", "missing_order_date"): fault_counts["missing_order_date"],
            }
        )
        self.feeds[LINES].planted = +Counter(
            {
                ("erp__order_lines", "invalid_type"): fault_counts["unparseable_promised_date"],
                ("stg_erp__order_lines", "duplicate_key"): fault_counts["duplicate_order_line"],
                ("stg_erp__order_lines", "nonpositive_quantity"): fault_counts[
                    "nonpositive_quantity"
                ],
            }
        )
        self.quiet = self._quiet_orders(truth)
        self.months = sorted(set(self._orders()["month"].drop_nulls()))
        self.late_orders = [self._hold_back_orders() for _ in range(plan.count(LATE_ORDERS))]
        self.late_shipments = [
            self._hold_back_shipments() for _ in range(plan.count(LATE_SHIPMENTS))
        ]
        for feed in self.feeds.values():
            feed.deliver(feed.rows)
        self.last_delivery: tuple[str, ...] = ()
        self.new_ids = 0

    # -- what the feeds hold now ------------------------------------------------------------
    def _orders(self) -> pl.DataFrame:
        return self.feeds[ORDERS].rows.with_columns(month=_month(_iso_date("order_date")))

    def _quiet_orders(self, truth: Path) -> set[str]:
        """Orders with no planted fault in them, their lines or shipments, and no returns: the
        soak's own changes and faults go there, so their effects are known exactly."""
        faulted = set(pl.read_csv(truth / "planted_faults.csv")["record_id"])
        returned = set(
            pl.read_csv(SOURCE_CONTRACTS["erp__returns"].landing_file(self.landing))[
                "order_line_id"
            ]
        )
        lines, shipments = self.feeds[LINES].rows, self.feeds[SHIPMENTS].rows
        noisy = (
            set(lines.filter(pl.col("order_line_id").is_in(list(faulted | returned)))["order_id"])
            | set(shipments.filter(pl.col("shipment_id").is_in(list(faulted)))["order_id"])
            | faulted
        )
        return set(self.feeds[ORDERS].rows["order_id"]) - noisy

    def _quiet_orders_of(self, month: date) -> list[str]:
        orders = self._orders().unique("order_id", keep="first", maintain_order=True)
        quiet = pl.col("order_id").is_in(list(self.quiet))
        present = orders.filter((pl.col("month") == month) & quiet)
        return sorted(present["order_id"])

    def _shipped_in(self, month: date) -> pl.DataFrame:
        shipments = self.feeds[SHIPMENTS].rows.unique("shipment_id", keep="first")
        return shipments.filter(
            (_month("ship_date") == month)
            & pl.col("order_id").is_in(list(self.quiet))
            & pl.col("freight_cost").is_not_null()
        ).sort("shipment_id")

    def _remove(self, name: str, column: str, values: set[str]) -> pl.DataFrame:
        feed = self.feeds[name]
        held = pl.col(column).is_in(list(values))
        taken = feed.rows.filter(held)
        feed.rows = feed.rows.filter(~held)
        return taken

    # -- held back from the first delivery ----------------------------------------------------
    def _hold_back_orders(self) -> Batch:
        """Three orders of a month, with their lines, that the ERP feed delivers late (their
        shipments are in the TMS feed already)."""
        month = self.rng.choice(self.months[:-1])
        picked = set(self.rng.sample(self._quiet_orders_of(month), 3))
        self.quiet -= picked
        return Batch(
            month, self._remove(ORDERS, "order_id", picked), self._remove(LINES, "order_id", picked)
        )

    def _hold_back_shipments(self) -> Batch:
        """The shipments of two orders of a month that left in a later month (after the month's
        extract was taken), delivered late by the TMS feed."""
        orders = self._orders().select("order_id", order_month=pl.col("month"))
        crossing = (
            self.feeds[SHIPMENTS]
            .rows.join(orders, on="order_id")
            .filter(pl.col("order_id").is_in(list(self.quiet)))
            .group_by("order_id", "order_month")
            .agg(crosses=(_month("ship_date") > pl.col("order_month")).any())
            .filter(pl.col("crosses"))
            .sort("order_id")
        )
        month = self.rng.choice(sorted(set(crossing["order_month"])))
        candidates = crossing.filter(pl.col("order_month") == month)["order_id"].to_list()
        picked = set(self.rng.sample(candidates, min(2, len(candidates))))
        self.quiet -= picked
        shipments = self._remove(SHIPMENTS, "order_id", picked)
        lines = self._remove(SHIPMENT_LINES, "shipment_id", set(shipments["shipment_id"]))
        return Batch(month, shipments, lines)

    # -- deliveries ----------------------------------------------------------------------------
    def deliver(self, kind: str) -> Delivery:
        """Make the feeds deliver one step of ``kind``."""
        delivery = {
            LATE_ORDERS: self._late_orders,
            LATE_SHIPMENTS: self._late_shipments,
            CORRECTED_LINES: self._corrected_lines,
            CORRECTED_FREIGHT: self._corrected_freight,
            CORRECTED_DATE: self._corrected_order_date,
            DUPLICATED: self._duplicated_rows,
            SENT_AGAIN: self._sent_again,
        }[kind]()
        if kind != SENT_AGAIN:
            self.last_delivery = delivery.feeds
        return delivery

    def _new_id(self) -> int:
        self.new_ids += 1
        return self.new_ids

    def _month_with(self, candidates) -> tuple[date, object]:
        for month in self.rng.sample(self.months, len(self.months)):
            found = candidates(month)
            if len(found):
                return month, found
        raise AssertionError("no month has rows left to change")

    def _late_orders(self) -> Delivery:
        batch = self.late_orders.pop(self.rng.randrange(len(self.late_orders)))
        orders, lines = batch.parents, batch.lines
        fault = self.rng.choice(
            [None, "nonpositive_quantity", "invalid_type", "unknown_customer", "future_date"]
        )
        planted: Counter = Counter()
        line = self.rng.randrange(lines.height)
        order = self.rng.randrange(orders.height)
        if fault == "nonpositive_quantity":
            lines = _set(lines, line, quantity_ordered=self.rng.choice(["0", "-2"]))
            planted[("stg_erp__order_lines", fault)] += 1
        elif fault == "invalid_type":
            lines = _set(lines, line, promised_date=self.rng.choice(["TBD", "31/13/2025"]))
            planted[("erp__order_lines", fault)] += 1
        elif fault == "unknown_customer":
            orders = _set(orders, order, customer_id=f"C9{self._new_id():05d}")
            planted[("stg_erp__orders", fault)] += 1
        elif fault == "future_date":
            # A mistyped year: ten years ahead.
            typed = orders["order_date"][order]
            orders = _set(orders, order, order_date=f"{int(typed[:4]) + 10}{typed[4:]}")
            planted[("stg_erp__orders", fault)] += 1
        return self._append(LATE_ORDERS, batch.month, {ORDERS: orders, LINES: lines}, planted)

    def _late_shipments(self) -> Delivery:
        batch = self.late_shipments.pop(self.rng.randrange(len(self.late_shipments)))
        shipments, lines = batch.parents, batch.lines
        fault = self.rng.choice([None, None, "negative_amount", "duplicate_key"])
        planted: Counter = Counter()
        if fault == "negative_amount":
            # A credit typed with a minus sign on the freight.
            row = self.rng.randrange(shipments.height)
            shipments = shipments.with_columns(
                freight_cost=pl.when(pl.int_range(pl.len()) == row)
                .then(-pl.col("freight_cost"))
                .otherwise(pl.col("freight_cost"))
            )
            planted[("stg_tms__shipments", fault)] += 1
        elif fault == "duplicate_key":
            lines = pl.concat([lines, lines.sample(1, seed=self.rng.randrange(1 << 30))])
            planted[("stg_tms__shipment_lines", fault)] += 1
        rows = {SHIPMENTS: shipments, SHIPMENT_LINES: lines}
        return self._append(LATE_SHIPMENTS, batch.month, rows, planted)

    def _corrected_lines(self) -> Delivery:
        """Quantities and prices of a few lines of one month corrected in place."""

        def lines_of(month: date) -> pl.DataFrame:
            orders = self._quiet_orders_of(month)
            return self.feeds[LINES].rows.filter(pl.col("order_id").is_in(orders))

        month, lines = self._month_with(lines_of)
        picked = lines.unique("order_line_id").sort("order_line_id")
        picked = picked.sample(
            min(self.rng.randint(2, 5), picked.height), seed=self.rng.randrange(1 << 30)
        )
        quantities, prices = {}, {}
        for line_id, quantity, price in picked.select(
            "order_line_id", "quantity_ordered", "unit_price"
        ).iter_rows():
            step = self.rng.choice([-3, -2, -1, 1, 2, 3])
            quantities[line_id] = str(max(1, int(quantity) + step))
            factor = Decimal(self.rng.choice([*range(85, 100), *range(101, 116)])) / 100
            prices[line_id] = str((Decimal(price) * factor).quantize(Decimal("0.01")))
        planted = Counter()
        detail = f"{len(quantities)} lines"
        if self.rng.random() < 0.25:
            # A line cancelled by setting its quantity to zero: the contract quarantines it.
            cancelled = next(iter(quantities))
            quantities[cancelled] = "0"
            planted[("stg_erp__order_lines", "nonpositive_quantity")] += 1
            self.quiet.discard(lines.filter(pl.col("order_line_id") == cancelled)["order_id"][0])
            detail += "; one cancelled (quantity 0)"
        line = pl.col("order_line_id")
        rows = self.feeds[LINES].rows.with_columns(
            quantity_ordered=line.replace_strict(quantities, default=pl.col("quantity_ordered")),
            unit_price=line.replace_strict(prices, default=pl.col("unit_price")),
        )
        self.feeds[LINES].deliver(rows, planted)
        return Delivery(CORRECTED_LINES, month, (LINES,), detail)

    def _corrected_freight(self) -> Delivery:
        """The carrier's corrected invoice: freight of a few shipments that left in one month
        (some of them for orders of the month before)."""
        month, shipped = self._month_with(self._shipped_in)
        picked = shipped.sample(
            min(self.rng.randint(2, 4), shipped.height), seed=self.rng.randrange(1 << 30)
        )
        freight = {}
        for shipment_id, cost in picked.select("shipment_id", "freight_cost").iter_rows():
            factor = Decimal(self.rng.choice([*range(80, 100), *range(101, 126)])) / 100
            freight[shipment_id] = (cost * factor).quantize(Decimal("0.01"))
        planted = Counter()
        detail = f"{len(freight)} shipments"
        if self.rng.random() < 0.15:
            negative = next(iter(freight))
            freight[negative] = -freight[negative]
            planted[("stg_tms__shipments", "negative_amount")] += 1
            self.quiet.discard(shipped.filter(pl.col("shipment_id") == negative)["order_id"][0])
            detail += "; one negative"
        rows = self.feeds[SHIPMENTS].rows
        corrected = pl.DataFrame(
            {"shipment_id": list(freight), "corrected": list(freight.values())},
            schema={"shipment_id": pl.String, "corrected": rows.schema["freight_cost"]},
        )
        rows = (
            rows.join(corrected, on="shipment_id", how="left", maintain_order="left")
            .with_columns(freight_cost=pl.coalesce("corrected", "freight_cost"))
            .drop("corrected")
        )
        self.feeds[SHIPMENTS].deliver(rows, planted)
        return Delivery(CORRECTED_FREIGHT, month, (SHIPMENTS,), detail)

    def _corrected_order_date(self) -> Delivery:
        """An order keyed into the wrong month, its date corrected into the next or previous."""
        month, orders = self._month_with(self._quiet_orders_of)
        order = self.rng.choice(orders)
        index = self.months.index(month)
        neighbours = [self.months[i] for i in (index - 1, index + 1) if 0 <= i < len(self.months)]
        target = self.rng.choice(neighbours)
        following = month_starts(target, target + timedelta(days=32))[1]
        day = target + timedelta(days=self.rng.randrange((following - target).days))
        rows = self.feeds[ORDERS].rows.with_columns(
            order_date=pl.when(pl.col("order_id") == order)
            .then(pl.lit(day.isoformat()))
            .otherwise(pl.col("order_date"))
        )
        self.feeds[ORDERS].deliver(rows)
        return Delivery(CORRECTED_DATE, month, (ORDERS,), f"{order} moved to {day}")

    def _duplicated_rows(self) -> Delivery:
        """Rows of one month delivered twice in the same file (the feed appended a batch
        again): orders with their lines, or shipments with theirs."""
        if self.rng.random() < 0.5:
            month, orders = self._month_with(self._quiet_orders_of)
            picked = set(self.rng.sample(orders, min(2, len(orders))))
            key, names = "order_id", (ORDERS, LINES)
        else:
            month, shipped = self._month_with(self._shipped_in)
            picked = set(self.rng.sample(shipped["shipment_id"].to_list(), min(2, shipped.height)))
            key, names = "shipment_id", (SHIPMENTS, SHIPMENT_LINES)
        repeated = {}
        for name in names:
            # The first row of each record of the picked parents, sent again.
            rows = self.feeds[name].rows.filter(pl.col(key).is_in(list(picked)))
            record = SOURCE_CONTRACTS[name].key
            repeated[name] = rows.unique(record, keep="first", maintain_order=True)
        planted = Counter(
            {(f"stg_{name}", "duplicate_key"): repeated[name].height for name in names}
        )
        return self._append(DUPLICATED, month, repeated, planted)

    def _sent_again(self) -> Delivery:
        """The delivery before the last one, sent again: the feed's files revert."""
        for name in self.last_delivery:
            self.feeds[name].deliver_version_before_last()
        return Delivery(SENT_AGAIN, None, self.last_delivery, "previous version of each file")

    def _append(
        self, kind: str, month: date, rows: dict[str, pl.DataFrame], planted: Counter
    ) -> Delivery:
        """Deliver each feed of ``rows`` with those rows appended; a fault planted in a raw or
        staging table is the fault of the feed of the same name."""
        for name, added in rows.items():
            feed = self.feeds[name]
            own = Counter({k: n for k, n in planted.items() if k[0].removeprefix("stg_") == name})
            feed.deliver(pl.concat([feed.rows, added]), own)
        faults = "".join(f"; {rule}" for _, rule in planted) if kind != DUPLICATED else ""
        counts = ", ".join(f"{added.height} {name.split('__')[1]}" for name, added in rows.items())
        return Delivery(kind, month, tuple(rows), counts + faults)

    def planted(self) -> Counter:
        """Quarantine rows the faults in the files now delivered must give, by table and rule."""
        return sum((feed.planted for feed in self.feeds.values()), Counter())


def _set(rows: pl.DataFrame, index: int, **values: str) -> pl.DataFrame:
    row = pl.int_range(pl.len()) == index
    return rows.with_columns(
        **{
            column: pl.when(row).then(pl.lit(value)).otherwise(pl.col(column))
            for column, value in values.items()
        }
    )


# -- what the marts must hold, from the landing files alone ------------------------------------
@dataclass(frozen=True)
class LandingTruth:
    """Per order month: order lines, revenue and known freight the marts must show; and the
    quarantine rows by (table, rule) the contract gives."""

    months: dict[date, tuple[int, Decimal, Decimal]]
    quarantine: Counter
    file_lines: int


def _first_of_key(column: str) -> pl.Expr:
    """Whether the row is the first in the extract with its (trimmed, upper-cased) key."""
    return pl.int_range(pl.len()).over(_key(column)) == 0


def _match_key(column: str) -> pl.Expr:
    """Prefix and number without leading zeros: how a sloppy customer ID finds its customer."""
    text = _key(column)
    number = text.str.extract(r"([0-9]+)$", 1).cast(pl.Int64, strict=False).cast(pl.String)
    return text.str.extract(r"^([A-Z]*)", 1) + number


def _rules(
    rows: pl.DataFrame, key: str, checks: list[tuple[str, pl.Expr]], **columns: pl.Expr
) -> pl.DataFrame:
    """``rows`` with ``key`` trimmed and upper-cased, ``columns`` added, and as ``rule`` the
    first rule each row breaks (null when kept): an empty key, a key an earlier row has, then
    ``checks`` in order."""
    rows = rows.with_columns(first=_first_of_key(key), **{key: _key(key)}, **columns)
    rule = pl.lit(None, dtype=pl.String)
    for name, broken in reversed(
        [
            ("missing_key", pl.col(key).fill_null("") == ""),
            ("duplicate_key", ~pl.col("first")),
            *checks,
        ]
    ):
        rule = pl.when(broken).then(pl.lit(name)).otherwise(rule)
    return rows.with_columns(rule=rule)


def _count(quarantine: Counter, table: str, rows: pl.DataFrame) -> None:
    for rule, count in rows.drop_nulls("rule").group_by("rule").len().iter_rows():
        quarantine[(table, rule)] += count


def _unreadable(dates: tuple[str, ...], integers: tuple[str, ...] = ()) -> pl.Expr:
    """Rows the raw layer quarantines as ``invalid_type``: a value that is no date or integer."""
    checks = [pl.col(c).is_not_null() & _iso_date(c).is_null() for c in dates]
    checks += [
        pl.col(c).is_not_null() & pl.col(c).str.to_integer(strict=False).is_null() for c in integers
    ]
    return pl.any_horizontal(checks)


def _kept_orders(read: dict[str, Path], today: date, quarantine: Counter) -> pl.DataFrame:
    """Orders staging keeps (ID and date), counting the others into ``quarantine``."""
    customers = pl.read_csv(read["erp__customers"], infer_schema=False)
    known_ids = customers.select(_key("customer_id"))["customer_id"].implode()
    known_keys = customers.select(_match_key("customer_id"))["customer_id"].implode()
    orders = pl.read_csv(read[ORDERS], infer_schema=False)
    unreadable = _unreadable(("order_date", "requested_delivery_date"))
    quarantine[("erp__orders", "invalid_type")] += orders.filter(unreadable).height
    orders = _rules(
        orders.filter(~unreadable),
        "order_id",
        [
            ("missing_order_date", pl.col("order_date").is_null()),
            ("future_date", pl.col("order_date") > today),
            ("missing_customer_id", pl.col("customer").fill_null("") == ""),
            (
                "unknown_customer",
                ~pl.col("customer").is_in(known_ids)
                & ~pl.col("customer_key").fill_null("").is_in(known_keys),
            ),
        ],
        order_date=_iso_date("order_date"),
        customer=_key("customer_id"),
        customer_key=_match_key("customer_id"),
    )
    _count(quarantine, "stg_erp__orders", orders)
    return orders.filter(pl.col("rule").is_null()).select("order_id", "order_date")


def _mart_lines(read: dict[str, Path], orders: pl.DataFrame, quarantine: Counter) -> pl.DataFrame:
    """Order lines the marts must hold (ID, product weight, order month, revenue), counting
    the others into ``quarantine``."""
    products = pl.read_csv(read["erp__products"], infer_schema=False).select(
        product_id=_key("product_id"), unit_weight_kg=pl.col("unit_weight_kg").cast(pl.Float64)
    )
    lines = pl.read_csv(read[LINES], infer_schema=False)
    unreadable = _unreadable(("promised_date",), ("quantity_ordered",))
    quarantine[("erp__order_lines", "invalid_type")] += lines.filter(unreadable).height
    lines = _rules(
        lines.filter(~unreadable),
        "order_line_id",
        [
            ("nonpositive_quantity", pl.col("quantity").fill_null(0) <= 0),
            ("invalid_unit_price", pl.col("unit_price").is_null() | (pl.col("unit_price") < 0)),
            ("unknown_order", ~pl.col("order_id").is_in(orders["order_id"].implode())),
            ("unknown_product", ~pl.col("product_id").is_in(products["product_id"].implode())),
        ],
        order_id=_key("order_id"),
        product_id=_key("product_id"),
        quantity=pl.col("quantity_ordered").cast(pl.Int64),
        unit_price=pl.col("unit_price").cast(pl.Decimal(18, 2)),
    )
    _count(quarantine, "stg_erp__order_lines", lines)
    return (
        lines.filter(pl.col("rule").is_null())
        .join(orders, on="order_id")
        .join(products, on="product_id")
        .select(
            "order_line_id",
            "unit_weight_kg",
            order_month=_month("order_date"),
            revenue=pl.col("quantity") * pl.col("unit_price"),
        )
    )


def _kept_shipment_lines(read: dict[str, Path], today: date, quarantine: Counter) -> pl.DataFrame:
    """Shipment lines staging keeps, each with its shipment's freight cost (null when the TMS
    sent none), counting the other shipments and lines into ``quarantine``."""
    shipments = _rules(
        pl.read_parquet(read[SHIPMENTS]),
        "shipment_id",
        [
            ("missing_ship_date", pl.col("ship_date").is_null()),
            ("future_date", pl.col("ship_date") > today),
            (
                "negative_amount",
                (pl.col("weight_kg") < 0)
                | (pl.col("freight_cost") < 0)
                | (pl.col("distance_km") < 0),
            ),
        ],
    )
    _count(quarantine, "stg_tms__shipments", shipments)
    shipments = shipments.filter(pl.col("rule").is_null()).select("shipment_id", "freight_cost")
    lines = _rules(
        pl.read_parquet(read[SHIPMENT_LINES]),
        "shipment_line_id",
        [
            ("nonpositive_quantity", pl.col("quantity_shipped").fill_null(0) <= 0),
            ("unknown_shipment", ~pl.col("shipment_id").is_in(shipments["shipment_id"].implode())),
        ],
        shipment_id=_key("shipment_id"),
        order_line_id=_key("order_line_id"),
    )
    _count(quarantine, "stg_tms__shipment_lines", lines)
    return lines.filter(pl.col("rule").is_null()).join(shipments, on="shipment_id")


def landing_truth(landing: Path, today: date) -> LandingTruth:
    """What the contract makes of the order and shipment files in ``landing``, computed with
    polars from the files alone: the rules of config/quarantine_rules.yaml re-stated here."""
    read = {name: SOURCE_CONTRACTS[name].landing_file(landing) for name in SOURCE_CONTRACTS}
    quarantine: Counter = Counter()
    mart_lines = _mart_lines(read, _kept_orders(read, today, quarantine), quarantine)
    shipment_lines = _kept_shipment_lines(read, today, quarantine)
    # A shipment's known freight is allocated by weight over its lines, to the cent; lines
    # that are not in the marts weigh nothing, so it all lands in the order month of the mart
    # lines it carried (every shipment serves one order).
    freight_months = (
        shipment_lines.filter(pl.col("freight_cost").is_not_null())
        .join(mart_lines.filter(pl.col("unit_weight_kg") > 0), on="order_line_id")
        .group_by("shipment_id")
        .agg(pl.col("freight_cost").first(), pl.col("order_month").unique())
    )
    assert freight_months["order_month"].list.len().max() in (None, 1), "one order a shipment"
    freight = (
        freight_months.explode("order_month")
        .group_by("order_month")
        .agg(freight=pl.col("freight_cost").sum())
    )
    totals = (
        mart_lines.group_by("order_month")
        .agg(lines=pl.len(), revenue=pl.col("revenue").sum())
        .join(freight, on="order_month", how="full", coalesce=True)
    )
    months = {
        month: (lines or 0, Decimal(revenue or 0), Decimal(freight or 0))
        for month, lines, revenue, freight in totals.select(
            "order_month", "lines", "revenue", "freight"
        ).iter_rows()
    }
    file_lines = pl.scan_csv(read[LINES], infer_schema=False).select(pl.len()).collect().item()
    return LandingTruth(months, +quarantine, file_lines)


# -- what the warehouse holds -------------------------------------------------------------------
MART_TOTALS = {
    "marts.fct_order_lines": "select order_month, count(*), sum(ordered_revenue),"
    " coalesce(sum(freight_cost), 0) from marts.fct_order_lines group by all",
    "marts.fct_customer_months": "select order_month, sum(order_lines), sum(ordered_revenue),"
    " sum(freight_cost) from marts.fct_customer_months group by all",
}
KEYS = {
    "marts.fct_order_lines": "order_line_id",
    "marts.fct_customer_months": "customer_key, order_month",
    "intermediate.int_shipment_lines_freight_allocated": "shipment_line_id",
    "staging.stg_erp__orders": "order_id",
    "staging.stg_erp__order_lines": "order_line_id",
    "staging.stg_tms__shipments": "shipment_id",
    "staging.stg_tms__shipment_lines": "shipment_line_id",
}


@dataclass(frozen=True)
class WarehouseState:
    """Month totals per mart, repeated keys per table and quarantine rows by (table, rule)."""

    totals: dict[str, dict[date, tuple[int, Decimal, Decimal]]]
    repeated_keys: dict[str, int]
    quarantine: Counter


def warehouse_state(database: Path) -> WarehouseState:
    with connect_warehouse(database, read_only=True) as con:
        totals = {
            mart: {
                month: (int(lines), Decimal(revenue), Decimal(freight))
                for month, lines, revenue, freight in con.execute(sql).fetchall()
            }
            for mart, sql in MART_TOTALS.items()
        }
        repeated = {
            table: con.execute(
                f"select count(*) - count(distinct ({columns})) from {table}"
            ).fetchall()[0][0]
            for table, columns in KEYS.items()
        }
        quarantine: Counter = Counter()
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'quarantine'"
        ).fetchall()
        for (table,) in tables:
            for rule, count in con.execute(
                f"select quarantine_rule, count(*) from quarantine.{table} group by all"
            ).fetchall():
                quarantine[(table, rule)] += count
    return WarehouseState(totals, repeated, quarantine)


def _differences(truth: LandingTruth, state: WarehouseState) -> tuple[int, Decimal, list[str]]:
    """Line-count difference, largest money difference (revenue or freight, any month, any
    mart) and a line per month that differs."""
    lines_off, money_off, problems = 0, Decimal(0), []
    zero = (0, Decimal(0), Decimal(0))
    for mart, months in state.totals.items():
        for month in sorted(months.keys() | truth.months.keys()):
            expected, found = truth.months.get(month, zero), months.get(month, zero)
            lines_off += abs(found[0] - expected[0])
            money_off = max(money_off, abs(found[1] - expected[1]), abs(found[2] - expected[2]))
            if found != expected:
                problems.append(
                    f"{mart} {month}: lines/revenue/freight {found[0]}/{found[1]}/{found[2]},"
                    f" landing files give {expected[0]}/{expected[1]}/{expected[2]}"
                )
    return lines_off, money_off, problems


# -- the soak -------------------------------------------------------------------------------------
@dataclass
class StepRecord:
    """One row of the step table."""

    step: int
    kind: str
    month: str
    detail: str
    copied: str = ""
    runs: int = 0
    skipped: int = 0
    months: list[str] = field(default_factory=list)
    sensor_s: float = 0.0
    runs_s: float = 0.0
    runs_cpu_s: float = 0.0
    check_s: float = 0.0
    mart_lines: int = 0
    quarantined: int = 0
    lines_off: int = 0
    money_off: Decimal = Decimal(0)
    problems: list[str] = field(default_factory=list)


@dataclass
class Daemon:
    """What the daemon does with the landing sensor: a tick from the last cursor, then a run
    for each request whose run key this sensor has not launched before."""

    instance: dg.DagsterInstance
    database: Path
    landing: Path
    sensor: dg.SensorDefinition = field(default_factory=landing_sensor)
    cursor: str | None = None

    def tick(self):
        """One evaluation of the sensor; the cursor moves on."""
        tick = evaluate_sensor(
            self.sensor, self.instance, self.cursor, landing=LandingFiles(path=str(self.landing))
        )
        self.cursor = tick.cursor
        return tick

    def launched_before(self, run_key: str) -> bool:
        """Whether the daemon skips a request: a run with its key came from this sensor."""
        runs = self.instance.get_runs(filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key}))
        return any(run.tags.get(SENSOR_NAME_TAG) == self.sensor.name for run in runs)

    def refresh(self, record: StepRecord) -> None:
        """Tick, run what the tick requests, and note it all in ``record``."""
        started = time.perf_counter()
        tick = self.tick()
        record.sensor_s = time.perf_counter() - started
        if not tick.run_requests:
            record.problems.append(f"the sensor requested no run ({tick.skip_message})")
        started, cpu_started = time.perf_counter(), time.process_time()
        for request in tick.run_requests:
            if record.copied and record.copied in request.tags[REASON_TAG]:
                record.problems.append(f"the identical {record.copied} was taken for a change")
            if self.launched_before(request.run_key):
                record.skipped += 1
                continue
            tags = {**request.tags, RUN_KEY_TAG: request.run_key, SENSOR_NAME_TAG: self.sensor.name}
            result = run_pipeline(
                self.database,
                self.landing,
                tags=tags,
                run_config={**request.run_config, **QUIET},
                instance=self.instance,
                raise_on_error=False,
            )
            record.runs += 1
            record.months += _month_span(*requested_months(request))
            if not result.success:
                record.problems.append(f"run {result.run_id} failed")
        record.runs_s = time.perf_counter() - started
        record.runs_cpu_s = time.process_time() - cpu_started


def _identical_copy(rng: random.Random, landing: Path, delivery: Delivery) -> str:
    """Another landing file delivered again byte for byte (its name), or nothing ("")."""
    if rng.random() >= IDENTICAL_COPY_SHARE:
        return ""
    others = [c for name, c in SOURCE_CONTRACTS.items() if name not in delivery.feeds]
    contract = rng.choice(others)
    path = contract.landing_file(landing)
    _land(path, path.read_bytes())
    return f"{contract.system}/{path.name}"


def _month_span(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [m.isoformat() for m in month_starts(start, end + timedelta(days=1))]


def _check(record: StepRecord, landing: Path, database: Path, feeds: Feeds, baseline: Counter):
    """Fill ``record`` with the figures of the warehouse against the landing files."""
    truth = landing_truth(landing, date.today())
    state = warehouse_state(database)
    record.lines_off, record.money_off, problems = _differences(truth, state)
    record.mart_lines = sum(v[0] for v in state.totals["marts.fct_order_lines"].values())
    checked = +Counter({k: v for k, v in state.quarantine.items() if k[0] in CHECKED})
    others = +Counter({k: v for k, v in state.quarantine.items() if k[0] not in CHECKED})
    record.quarantined = sum(checked.values())
    if checked != truth.quarantine:
        problems.append(f"quarantine {dict(checked)}, landing files give {dict(truth.quarantine)}")
    planted = feeds.planted()
    faults = +Counter({k: v for k, v in checked.items() if k[1] not in CASCADED})
    if faults != planted:
        problems.append(f"quarantined faults {dict(faults)}, planted {dict(planted)}")
    if others != baseline:
        problems.append(f"other quarantines {dict(others)}, before the soak {dict(baseline)}")
    problems += [f"{table}: {n} repeated keys" for table, n in state.repeated_keys.items() if n]
    record.problems += problems


def _summary(records: list[StepRecord], setup: dict[str, float | int], total_s: float) -> str:
    header = (
        f"{'step':>4} {'kind':<22} {'month':<7} {'runs':>4} {'skip':>4} {'refreshed':<17}"
        f" {'sensor':>6} {'runs s':>6} {'cpu s':>5} {'check':>5} {'lines':>6} {'quar':>4}"
        f" {'drift':>5}"
        f"  detail"
    )
    rows = [header, "-" * len(header)]
    for r in records:
        refreshed = f"{r.months[0][:7]}..{r.months[-1][:7]}" if r.months else "-"
        if len(r.months) == 1:
            refreshed = r.months[0][:7]
        rows.append(
            f"{r.step:>4} {r.kind:<22} {r.month:<7} {r.runs:>4} {r.skipped:>4} {refreshed:<17}"
            f" {r.sensor_s:>6.2f} {r.runs_s:>6.1f} {r.runs_cpu_s:>5.1f} {r.check_s:>5.2f}"
            f" {r.mart_lines:>6}"
            f" {r.quarantined:>4} {r.money_off:>5}  {r.detail}"
            + (f"; identical copy of {r.copied}" if r.copied else "")
            + ("" if not r.problems else f"  <-- {len(r.problems)} problem(s)")
        )
    runs = sum(r.runs for r in records)
    run_seconds = [r.runs_s / r.runs for r in records if r.runs]
    run_cpu = [r.runs_cpu_s / r.runs for r in records if r.runs]
    months = [m for r in records for m in r.months]
    totals = [
        "",
        f"steps {len(records)}, runs launched {runs}, runs skipped as already launched"
        f" {sum(r.skipped for r in records)}, month partitions refreshed {len(months)}"
        f" ({len(set(months))} distinct months)",
        f"landing order lines at the end {setup['file_lines']}, mart order lines"
        f" {records[-1].mart_lines if records else 0}, quarantined rows (order and shipment"
        f" feeds) {records[-1].quarantined if records else 0}",
        f"largest drift: {max((r.money_off for r in records), default=Decimal(0))} (money),"
        f" {max((r.lines_off for r in records), default=0)} (order lines);"
        f" steps with a problem {sum(1 for r in records if r.problems)}",
        f"generate {setup['generate_s']:.1f} s, full run {setup['full_run_s']:.1f} s, soak"
        f" {total_s:.0f} s; per run mean {sum(run_seconds) / max(len(run_seconds), 1):.1f} s,"
        f" max {max(run_seconds, default=0):.1f} s, CPU mean"
        f" {sum(run_cpu) / max(len(run_cpu), 1):.1f} s (this process); sensor tick max"
        f" {max((r.sensor_s for r in records), default=0):.2f} s",
        f"warehouse files {setup['bytes_before'] / 1e6:.1f} MB after the full run,"
        f" {setup['bytes_after'] / 1e6:.1f} MB after the soak",
    ]
    return "\n".join(rows + totals)


def _warehouse_bytes(database: Path) -> int:
    return sum(path.stat().st_size for path in database.parent.glob(f"{database.stem}*.duckdb"))


def test_fifty_month_refreshes_driven_by_the_landing_sensor_reconcile_to_the_cent(tmp_path):
    started = time.perf_counter()
    settings = GeneratorSettings.from_yaml(config_dir() / "generator.yaml", **SCALE)
    report = generate(settings, tmp_path / "landing", tmp_path / "truth")
    landing, database = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    rng = random.Random(SEED)
    plan = soak_plan(rng)
    feeds = Feeds(landing, tmp_path / "truth", report.fault_counts, plan)
    setup: dict[str, float | int] = {"generate_s": time.perf_counter() - started}
    daemon = Daemon(dg.DagsterInstance.ephemeral(), database, landing)
    started = time.perf_counter()
    assert run_pipeline(database, landing, run_config=QUIET, instance=daemon.instance).success
    setup["full_run_s"] = time.perf_counter() - started
    setup["bytes_before"] = _warehouse_bytes(database)
    # Turned on over the loaded warehouse, the sensor launches nothing.
    assert not daemon.tick().run_requests
    baseline = +Counter(
        {k: v for k, v in warehouse_state(database).quarantine.items() if k[0] not in CHECKED}
    )
    loaded = StepRecord(0, "full run", "-", "")
    _check(loaded, landing, database, feeds, baseline)
    assert not loaded.problems, loaded.problems

    records: list[StepRecord] = []
    soak_started = time.perf_counter()
    for step, kind in enumerate(plan[:STEPS], start=1):
        delivery = feeds.deliver(kind)
        month = delivery.month.isoformat()[:7] if delivery.month else "-"
        record = StepRecord(step, kind, month, delivery.detail)
        record.copied = _identical_copy(rng, landing, delivery)
        daemon.refresh(record)
        started = time.perf_counter()
        _check(record, landing, database, feeds, baseline)
        record.check_s = time.perf_counter() - started
        records.append(record)
        if record.problems:
            break
    setup["file_lines"] = landing_truth(landing, date.today()).file_lines
    setup["bytes_after"] = _warehouse_bytes(database)
    print("\n" + _summary(records, setup, time.perf_counter() - soak_started))
    failed = [r for r in records if r.problems]
    assert not failed, f"step {failed[0].step} ({failed[0].kind}): " + "\n".join(failed[0].problems)
    assert len(records) == STEPS
