"""Landing changes: a changed extract touches exactly the months whose rows changed."""

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_landing

from seg_assets.defs.sources.assets import SOURCE_CONTRACTS
from seg_assets.lib.automation.landing_changes import (
    UNKNOWN_MONTH,
    LandingScan,
    changed_months,
    content_sha256,
    contiguous_ranges,
)
from seg_assets.lib.automation.settings import load_automation_settings


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return write_tiny_landing(tmp_path / "landing")


def _scan(landing: Path) -> LandingScan:
    return LandingScan(SOURCE_CONTRACTS, load_automation_settings().landing, landing)


def _rewrite(path: Path, old: str, new: str) -> None:
    stat = path.stat()
    path.write_text(path.read_text().replace(old, new))
    # A new modification time, as a real delivery has, even within the clock's resolution.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_new_file_touches_every_month_it_holds_and_rows_without_a_date_are_kept_apart(landing):
    state, change = _scan(landing).scan("erp__orders", None)
    # orders.csv: SO1 2024-11-05, SO2 2024-12-03, SO3 2024-12-10, SO4 without an order date.
    assert set(state.months) == {"2024-11-01", "2024-12-01", UNKNOWN_MONTH}
    assert state.months["2024-12-01"].startswith("2:")
    assert change.scope == "months"
    assert change.months == ("2024-11-01", "2024-12-01")


def test_a_corrected_row_of_an_old_month_touches_that_month_only(landing):
    scan = _scan(landing)
    before, _ = scan.scan("erp__orders", None)
    _rewrite(
        landing / "erp" / "orders.csv",
        "SO1,C000001,2024-11-05,2024-11-12,EDI",
        "SO1,C000001,2024-11-05,2024-11-19,EDI",
    )
    after, change = scan.scan("erp__orders", before)
    assert change.months == ("2024-11-01",)
    assert after.months["2024-12-01"] == before.months["2024-12-01"]


def test_lines_take_their_month_from_the_parent_order(landing):
    scan = _scan(landing)
    before, _ = scan.scan("erp__order_lines", None)
    # OL2 belongs to SO1, ordered in November.
    _rewrite(landing / "erp" / "order_lines.csv", "OL2,SO1,2,P002,4,", "OL2,SO1,2,P002,5,")
    _, change = scan.scan("erp__order_lines", before)
    assert change.months == ("2024-11-01",)
    assert "order_lines.csv changed in 2024-11-01" in change.reason


def _rewrite_parquet(path: Path, **columns: pl.Expr) -> None:
    pl.read_parquet(path).with_columns(**columns).write_parquet(path)


def test_a_shipment_also_touches_the_month_of_the_order_it_serves(landing):
    shipments = SOURCE_CONTRACTS["tms__shipments"].landing_file(landing)
    shipment_lines = SOURCE_CONTRACTS["tms__shipment_lines"].landing_file(landing)
    # SH1 carries November's order SO1 (lines OL1, OL2) but leaves on 2 December.
    _rewrite_parquet(shipments, ship_date=pl.col("ship_date").replace("2024-11-06", "2024-12-02"))
    scan = _scan(landing)
    shipments_before, _ = scan.scan("tms__shipments", None)
    lines_before, _ = scan.scan("tms__shipment_lines", None)
    _rewrite_parquet(shipments, freight_cost=pl.col("freight_cost").replace("10.00", "12.50"))
    _, corrected = scan.scan("tms__shipments", shipments_before)
    _rewrite_parquet(
        shipment_lines,
        quantity_shipped=pl.when(pl.col("shipment_line_id") == "SL1")
        .then(pl.lit("9"))
        .otherwise(pl.col("quantity_shipped")),
    )
    _, short = scan.scan("tms__shipment_lines", lines_before)
    assert corrected.months == short.months == ("2024-11-01", "2024-12-01")


def test_unchanged_content_with_a_new_timestamp_is_no_change(landing):
    scan = _scan(landing)
    before, _ = scan.scan("erp__orders", None)
    _rewrite(landing / "erp" / "orders.csv", "EDI", "EDI")
    after, change = scan.scan("erp__orders", before)
    assert change is None
    assert after.sha256 == before.sha256 and after.mtime_ns != before.mtime_ns


def test_a_file_matching_the_digest_of_the_last_load_is_a_baseline(landing):
    digest = content_sha256(landing / "erp" / "orders.csv")
    state, change = _scan(landing).scan("erp__orders", None, known_sha256=digest)
    assert change is None and state.months


def test_master_data_refreshes_the_newest_month_and_product_costs_every_month(landing):
    scan = _scan(landing)
    _, customers = scan.scan("erp__customers", None)
    _, products = scan.scan("erp__products", None)
    assert (customers.scope, customers.months) == ("newest", ())
    assert products.scope == "all"


def test_a_file_that_cannot_be_read_still_asks_for_a_run(landing):
    scan = _scan(landing)
    before, _ = scan.scan("tms__shipments", None)
    path = SOURCE_CONTRACTS["tms__shipments"].landing_file(landing)
    path.write_bytes(path.read_bytes()[:40])  # a truncated Parquet file
    _, change = scan.scan("tms__shipments", before)
    assert change.scope == "newest"
    assert "could not be read" in change.reason


def test_changed_months_and_contiguous_ranges():
    assert changed_months({"a": "1", "b": "2"}, {"b": "3", "c": "1"}) == ("a", "b", "c")
    months = [
        date(2025, 1, 1),
        date(2024, 12, 1),
        date(2025, 3, 1),
        date(2025, 2, 1),
        date(2025, 6, 1),
    ]
    assert contiguous_ranges(months) == [
        (date(2024, 12, 1), date(2025, 3, 1)),
        (date(2025, 6, 1), date(2025, 6, 1)),
    ]
