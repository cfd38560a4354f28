"""Planted data-quality faults: exact counts, one fault per record, each one recorded.

Counts are allocated batch by batch with cumulative rounding, so that after all batches each
fault sits on exactly ``round(rate * n)`` records of its file, ``n`` being the clean records.
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.generator.record_ids import format_ids
from seg_assets.lib.generator.time_window import add_days

FAULT_SOURCES: dict[str, str] = {
    "unknown_customer_id": "erp__orders",
    "inconsistent_customer_id_format": "erp__orders",
    "requested_before_order": "erp__orders",
    "missing_order_date": "erp__orders",
    "duplicate_order_line": "erp__order_lines",
    "nonpositive_quantity": "erp__order_lines",
    "unparseable_promised_date": "erp__order_lines",
    "missing_freight_cost": "tms__shipments",
    "delivery_before_ship": "tms__shipments",
}
PLANTED_FAULT_COLUMNS = ("fault", "source", "record_id", "source_row")

# Promised dates as clerks type them when the field is free text.
UNPARSEABLE_DATES = ("31/13/2025", "N/A", "TBD", "2025-02-30", "00.00.0000", "asap", "2026-13-01")


@dataclass
class FaultPlanter:
    """Chooses the faulty records batch by batch and keeps the log of what was planted."""

    rates: dict[str, float]
    seen: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    log: list[pl.DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = dict.fromkeys(FAULT_SOURCES, 0)

    def choose(
        self, source: str, clean_rows: int, rng: np.random.Generator
    ) -> dict[str, np.ndarray]:
        """Pick disjoint rows (0-based, sorted) of this batch for each fault of ``source``.

        Parameters
        ----------
        source
            Landing source name, e.g. ``erp__orders``.
        clean_rows
            Records of the batch before any fault is planted.
        rng
            This batch's fault stream.
        """
        before = self.seen.get(source, 0)
        after = before + clean_rows
        self.seen[source] = after
        quotas = {
            fault: round(self.rates[fault] * after) - round(self.rates[fault] * before)
            for fault, fault_source in FAULT_SOURCES.items()
            if fault_source == source
        }
        total = sum(quotas.values())
        if total > clean_rows:
            raise SegAssetsError(
                f"generator: {total} faults do not fit into {clean_rows} rows of {source};"
                " lower the fault rates in config/generator.yaml or raise the scale"
            )
        chosen = rng.choice(clean_rows, size=total, replace=False) if total else np.empty(0, int)
        picks, start = {}, 0
        for fault, quota in quotas.items():
            picks[fault] = np.sort(chosen[start : start + quota]).astype(np.int64)
            start += quota
        return picks

    def record(self, fault: str, record_ids: pl.Series, source_rows: np.ndarray) -> None:
        """Log planted records with their 1-based data row in the written file."""
        self.counts[fault] += int(source_rows.size)
        if source_rows.size:
            self.log.append(
                pl.DataFrame(
                    {
                        "fault": pl.Series([fault] * source_rows.size, dtype=pl.String),
                        "source": pl.Series([FAULT_SOURCES[fault]] * source_rows.size),
                        "record_id": record_ids.cast(pl.String),
                        "source_row": pl.Series(source_rows, dtype=pl.Int64),
                    }
                )
            )

    def planted(self) -> pl.DataFrame:
        """All planted faults, ordered by source and row."""
        if not self.log:
            return pl.DataFrame(
                schema={
                    "fault": pl.String,
                    "source": pl.String,
                    "record_id": pl.String,
                    "source_row": pl.Int64,
                }
            )
        return pl.concat(self.log).sort("source", "source_row")


def _replace_rows(
    frame: pl.DataFrame, column: str, rows: np.ndarray, values: pl.Series
) -> pl.DataFrame:
    if rows.size == 0:
        return frame
    updated = frame[column].clone()
    updated.scatter(rows, values.cast(updated.dtype))
    return frame.with_columns(updated.alias(column))


def plant_order_faults(
    orders: pl.DataFrame,
    picks: dict[str, np.ndarray],
    erp_width: int,
    erp_record_count: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Apply order faults (customer id, dates) to an ``erp__orders`` frame; lines stay intact.

    Parameters
    ----------
    orders
        Clean orders with canonical-format ``customer_id`` and ``order_date`` as dates.
    picks
        Rows per fault from ``FaultPlanter.choose``.
    erp_width
        Digits of ERP customer numbers.
    erp_record_count
        Highest ERP customer number in use; unknown ids lie above it.
    rng
        This batch's fault stream.
    """
    unknown = picks["unknown_customer_id"]
    numbers = rng.integers(erp_record_count + 1, 10**erp_width, unknown.size)
    orders = _replace_rows(orders, "customer_id", unknown, format_ids("C", numbers, erp_width))

    odd = picks["inconsistent_customer_id_format"]
    canonical = orders["customer_id"].gather(odd)
    variant = pl.Series(rng.integers(0, 5, odd.size))
    digits = canonical.str.slice(1)
    stripped = "C" + digits.str.strip_chars_start("0")
    options = pl.DataFrame(
        {
            "variant": variant,
            "lower": canonical.str.to_lowercase(),
            "padded": " " + canonical + " ",
            "trailing": canonical + " ",
            "stripped": pl.Series(
                np.where(
                    (stripped == canonical).to_numpy(),
                    canonical.str.to_lowercase().to_numpy(),
                    stripped.to_numpy(),
                )
            ),
            "extra_zero": "C0" + digits,
        }
    )
    mangled = options.select(
        pl.when(pl.col("variant") == 0)
        .then(pl.col("lower"))
        .when(pl.col("variant") == 1)
        .then(pl.col("padded"))
        .when(pl.col("variant") == 2)
        .then(pl.col("trailing"))
        .when(pl.col("variant") == 3)
        .then(pl.col("stripped"))
        .otherwise(pl.col("extra_zero"))
    ).to_series()
    orders = _replace_rows(orders, "customer_id", odd, mangled)

    early = picks["requested_before_order"]
    order_dates = orders["order_date"].gather(early).to_numpy()
    requested = pl.Series(add_days(order_dates, -rng.integers(1, 11, early.size)))
    orders = _replace_rows(orders, "requested_delivery_date", early, requested)

    missing = picks["missing_order_date"]
    return _replace_rows(
        orders, "order_date", missing, pl.Series([None] * missing.size, dtype=pl.Date)
    )


def plant_line_faults(
    lines: pl.DataFrame, picks: dict[str, np.ndarray], rng: np.random.Generator
) -> tuple[pl.DataFrame, np.ndarray]:
    """Apply order-line faults and insert exact duplicate rows right after their source.

    Parameters
    ----------
    lines
        Clean ``erp__order_lines`` frame (``promised_date`` as ISO text, quantities already
        made non-positive for the ``nonpositive_quantity`` rows by the caller's shipping plan).
    picks
        Rows per fault from ``FaultPlanter.choose``.
    rng
        This batch's fault stream.

    Returns
    -------
    tuple
        The frame as written and, per clean row, its 0-based position in that frame.
    """
    nonpositive = picks["nonpositive_quantity"]
    ordered = lines["quantity_ordered"].gather(nonpositive).to_numpy()
    negative = -np.floor(rng.random(nonpositive.size) * ordered).astype(np.int64) - 1
    values = np.where(rng.random(nonpositive.size) < 0.4, 0, negative)
    lines = _replace_rows(lines, "quantity_ordered", nonpositive, pl.Series(values))

    unparseable = picks["unparseable_promised_date"]
    promised = lines["promised_date"].gather(unparseable)
    day_first = (
        promised.str.slice(8, 2) + "/" + promised.str.slice(5, 2) + "/" + promised.str.slice(0, 4)
    )
    typed = pl.Series(
        np.array(UNPARSEABLE_DATES)[rng.integers(0, len(UNPARSEABLE_DATES), unparseable.size)]
    )
    text = pl.Series(
        np.where(rng.random(unparseable.size) < 0.3, day_first.to_numpy(), typed.to_numpy())
    )
    lines = _replace_rows(lines, "promised_date", unparseable, text)

    copies = np.zeros(lines.height, dtype=np.int64)
    copies[picks["duplicate_order_line"]] = 1
    position = np.arange(lines.height) + np.cumsum(copies) - copies
    if copies.any():
        lines = lines[np.repeat(np.arange(lines.height), 1 + copies)]
    return lines, position


def plant_shipment_faults(
    shipments: pl.DataFrame, picks: dict[str, np.ndarray], rng: np.random.Generator
) -> pl.DataFrame:
    """Blank freight costs and date deliveries before their ship date in ``tms__shipments``.

    Parameters
    ----------
    shipments
        Clean shipments frame.
    picks
        Rows per fault from ``FaultPlanter.choose``.
    rng
        This batch's fault stream.
    """
    missing = picks["missing_freight_cost"]
    shipments = _replace_rows(
        shipments,
        "freight_cost",
        missing,
        pl.Series([None] * missing.size, dtype=shipments["freight_cost"].dtype),
    )
    early = picks["delivery_before_ship"]
    ship_dates = shipments["ship_date"].gather(early).to_numpy()
    delivered = pl.Series(add_days(ship_dates, -rng.integers(1, 6, early.size)))
    return _replace_rows(shipments, "delivery_date", early, delivered)
