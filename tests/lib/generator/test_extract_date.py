"""The extract date: nothing in the landing files is dated after the day the extracts are taken.

With a short lag, the last orders are still open: their shipments (with lines, picks and packs),
invoices, returns and payments are not in the files, while the orders and lines are.
"""

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from seg_assets.lib.generator import GenerationReport, GeneratorSettings, generate
from seg_assets.lib.generator.faults import FAULT_SOURCES
from seg_assets.lib.generator.logistics import ShipmentBatch
from seg_assets.lib.project import PROJECT_ROOT
from seg_assets.lib.source_contracts import load_source_contracts

CONFIG = PROJECT_ROOT / "config" / "generator.yaml"
CONTRACTS = load_source_contracts(PROJECT_ROOT / "config" / "sources.yaml")
SMALL = {"customers": 300, "months": 6, "order_lines": 20_000}
SHORT_LAG = 2
# SMALL's window ends on 2025-04-30.
EXTRACT_DATE = dt.date(2025, 5, 2)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GenerationReport]:
    """The SMALL run with the configured lag and with a two-day lag."""
    settings = GeneratorSettings.from_yaml(CONFIG, **SMALL)
    short = settings.replace(extract_lag_days=SHORT_LAG)
    return {
        name: generate(s, root / "landing", root / "truth")
        for name, s in {"usual": settings, "short": short}.items()
        for root in [tmp_path_factory.mktemp(name)]
    }


def _read(report: GenerationReport, source: str) -> pl.DataFrame:
    path = CONTRACTS[source].landing_file(report.landing_dir)
    if path.suffix == ".csv":
        return pl.read_csv(path, try_parse_dates=True).with_row_index("row", offset=1)
    return pl.read_parquet(path).with_row_index("row", offset=1)


def _typed(report: GenerationReport, source: str) -> pl.DataFrame:
    """A landing file with its dates as dates (planted faults keep some as text)."""
    frame = _read(report, source)
    dates = [c for c in frame.columns if c.endswith("_date") and frame[c].dtype == pl.String]
    return frame.with_columns(pl.col(c).str.to_date(strict=False) for c in dates)


def test_short_lag_is_the_extract_date_of_the_manifest(
    runs: dict[str, GenerationReport],
) -> None:
    manifest = json.loads((runs["short"].truth_dir / "manifest.json").read_text())
    assert manifest["window"]["extract_date"] == str(EXTRACT_DATE)


def test_nothing_is_dated_after_the_extract_date(runs: dict[str, GenerationReport]) -> None:
    short = runs["short"]
    shipments = _typed(short, "tms__shipments")
    activity = _read(short, "wms__activity")
    invoices = _typed(short, "finance__invoices")
    returns = _typed(short, "erp__returns")
    assert shipments["ship_date"].max() <= EXTRACT_DATE
    assert activity["activity_ts"].dt.date().max() <= EXTRACT_DATE
    assert invoices["invoice_date"].max() <= EXTRACT_DATE
    assert invoices["payment_date"].drop_nulls().max() <= EXTRACT_DATE
    assert returns["return_date"].max() <= EXTRACT_DATE
    lines = _read(short, "tms__shipment_lines").join(shipments, on="shipment_id", how="left")
    assert lines["ship_date"].null_count() == 0
    assert lines["ship_date"].max() <= EXTRACT_DATE


def test_the_usual_lag_would_have_events_after_the_short_extract_date(
    runs: dict[str, GenerationReport],
) -> None:
    """Guards the test above: the short lag really cuts something."""
    usual = runs["usual"]
    assert (_typed(usual, "tms__shipments")["ship_date"] > EXTRACT_DATE).sum() > 0
    assert (_typed(usual, "finance__invoices")["invoice_date"] > EXTRACT_DATE).sum() > 0


def test_orders_and_lines_stay_and_the_last_orders_are_open(
    runs: dict[str, GenerationReport],
) -> None:
    usual, short = runs["usual"], runs["short"]
    for source in ("erp__orders", "erp__order_lines", "erp__customers"):
        usual_file = CONTRACTS[source].landing_file(usual.landing_dir)
        short_file = CONTRACTS[source].landing_file(short.landing_dir)
        assert usual_file.read_bytes() == short_file.read_bytes(), source
    orders = _typed(short, "erp__orders")
    shipped = _read(short, "tms__shipments")["order_id"].implode()
    invoiced = _read(short, "finance__invoices")["order_id"].implode()
    last_days = orders.filter(pl.col("order_date") >= dt.date(2025, 4, 29))
    open_orders = last_days.filter(~pl.col("order_id").is_in(shipped))
    assert open_orders.height > 0
    assert open_orders["order_id"].is_in(invoiced).sum() == 0


def test_exactly_the_events_after_the_extract_date_are_left_out(
    runs: dict[str, GenerationReport],
) -> None:
    usual, short = runs["usual"], runs["short"]
    usual_shipments = _typed(usual, "tms__shipments")
    kept = usual_shipments.filter(pl.col("ship_date") <= EXTRACT_DATE)
    assert short.row_counts["tms__shipments"] == kept.height < usual_shipments.height
    kept_ids = kept["shipment_id"].implode()
    usual_lines = _read(usual, "tms__shipment_lines")
    assert (
        short.row_counts["tms__shipment_lines"]
        == usual_lines.filter(pl.col("shipment_id").is_in(kept_ids)).height
    )
    usual_activity = _read(usual, "wms__activity")
    assert (
        short.row_counts["wms__activity"]
        == usual_activity.filter(pl.col("activity_ts").dt.date() <= EXTRACT_DATE).height
    )
    usual_invoices = _typed(usual, "finance__invoices")
    assert (
        short.row_counts["finance__invoices"]
        == usual_invoices.filter(pl.col("invoice_date") <= EXTRACT_DATE).height
    )


def test_records_refer_to_records_in_the_extract(runs: dict[str, GenerationReport]) -> None:
    short = runs["short"]
    orders = _read(short, "erp__orders")["order_id"].implode()
    shipments = _read(short, "tms__shipments")
    shipment_lines = _read(short, "tms__shipment_lines")
    activity = _read(short, "wms__activity")
    invoices = _read(short, "finance__invoices")
    assert shipment_lines["shipment_id"].is_in(shipments["shipment_id"].implode()).all()
    assert activity["shipment_id"].is_in(shipments["shipment_id"].implode()).all()
    assert shipments["order_id"].is_in(orders).all()
    assert invoices["order_id"].is_in(orders).all()
    assert invoices["order_id"].is_in(shipments["order_id"].implode()).all()
    picks = activity.filter(pl.col("activity_type") == "pick")
    packs = activity.filter(pl.col("activity_type") == "pack")
    assert picks.height == shipment_lines.height
    assert packs.height == shipments.height
    shipped = shipment_lines.group_by("order_line_id").agg(pl.col("quantity_shipped").sum())
    returned = _read(short, "erp__returns").join(shipped, on="order_line_id", how="left")
    assert (returned["quantity_returned"] <= returned["quantity_shipped"]).all()


def test_fault_counts_match_the_files(runs: dict[str, GenerationReport]) -> None:
    short = runs["short"]
    settings = GeneratorSettings.from_yaml(CONFIG, **SMALL)
    manifest = json.loads((short.truth_dir / "manifest.json").read_text())
    clean = manifest["clean_row_counts"]
    assert clean["tms__shipments"] == short.row_counts["tms__shipments"]
    assert clean["erp__orders"] == short.row_counts["erp__orders"]
    planted = pl.read_csv(short.truth_dir / "planted_faults.csv", infer_schema=False)
    for fault, rate in settings.faults.as_dict().items():
        expected = round(rate * clean[FAULT_SOURCES[fault]])
        assert manifest["fault_counts"][fault] == expected, fault
        assert planted.filter(pl.col("fault") == fault).height == expected, fault
    shipments = _read(short, "tms__shipments")
    for fault, condition in {
        "missing_freight_cost": pl.col("freight_cost").is_null(),
        "delivery_before_ship": pl.col("delivery_date") < pl.col("ship_date"),
    }.items():
        in_file = set(shipments.filter(condition)["row"].to_list())
        rows = planted.filter(pl.col("fault") == fault)["source_row"].cast(pl.Int64)
        assert in_file == set(rows.to_list()), fault


def test_shipped_by_drops_later_shipments_and_what_they_carried() -> None:
    day = np.datetime64("2025-05-01", "D")
    # Order 0 ships lines 0 and 1 on day 0, the backorder of line 1 on day 5; order 1 (line 2)
    # ships on day 3.
    planned = ShipmentBatch(
        order=np.array([0, 1, 0]),
        is_backorder=np.array([False, False, True]),
        warehouse=np.zeros(3, np.int64),
        mode=np.zeros(3, np.int8),
        carrier=np.zeros(3, np.int64),
        distance_km=np.array([10.0, 20.0, 10.0]),
        ship_date=day + np.array([0, 3, 5]),
        delivery_date=day + np.array([2, 5, 7]),
        weight_kg=np.array([1.0, 2.0, 3.0]),
        freight_cents=np.array([100, 200, 300]),
        line_shipment=np.array([0, 0, 1, 2]),
        line_order_line=np.array([0, 1, 2, 1]),
        line_quantity=np.array([4, 1, 6, 2]),
        shipped_per_order_line=np.array([4, 3, 6]),
        delivered_on=day + np.array([2, 2, 5]),
        delivered_late=np.array([False, True, True]),
    )
    assert planned.shipped_by(day + 5) is planned

    at_day_four = planned.shipped_by(day + 4)
    assert at_day_four.order.tolist() == [0, 1]
    assert at_day_four.line_shipment.tolist() == [0, 0, 1]
    assert at_day_four.line_quantity.tolist() == [4, 1, 6]
    assert at_day_four.shipped_per_order_line.tolist() == [4, 1, 6]

    at_day_two = planned.shipped_by(day + 2)
    assert at_day_two.order.tolist() == [0]
    assert at_day_two.line_order_line.tolist() == [0, 1]
    assert at_day_two.shipped_per_order_line.tolist() == [4, 1, 0]
    assert at_day_two.delivered_on.tolist()[:2] == (day + np.array([2, 2])).tolist()
    assert np.isnat(at_day_two.delivered_on[2])
    assert at_day_two.delivered_late.tolist() == [False, True, False]
    assert planned.shipped_by(day - 1).count == 0
    assert np.isnat(planned.shipped_by(day - 1).delivered_on).all()
