"""Generate all landing files and the ground truth, one month at a time."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from seg_assets.lib.generator.customers import CustomerUniverse, build_customers
from seg_assets.lib.generator.demand import DemandPlan, plan_demand
from seg_assets.lib.generator.drift import PlantedDrift, plant_drift
from seg_assets.lib.generator.extracts import (
    MonthIds,
    Numbering,
    activity_frame,
    invoice_frame,
    order_frame,
    order_line_frame,
    return_frame,
    shipment_frame,
    shipment_line_frame,
    storage_frame,
)
from seg_assets.lib.generator.faults import (
    FAULT_SOURCES,
    FaultPlanter,
    plant_line_faults,
    plant_order_faults,
    plant_shipment_faults,
)
from seg_assets.lib.generator.finance import (
    CostDrivers,
    add_receivable_exposure,
    cost_pool_frame,
    invoice_orders,
)
from seg_assets.lib.generator.logistics import ship_orders
from seg_assets.lib.generator.orders import generate_orders
from seg_assets.lib.generator.products import ProductCatalogue, build_products
from seg_assets.lib.generator.random_streams import random_stream
from seg_assets.lib.generator.returns import draw_returns
from seg_assets.lib.generator.settings import GeneratorSettings
from seg_assets.lib.generator.time_window import TimeWindow
from seg_assets.lib.generator.warehousing import monthly_storage, warehouse_activity
from seg_assets.lib.generator.writer import LandingWriter
from seg_assets.lib.project import config_dir
from seg_assets.lib.source_contracts import SourceContract, load_source_contracts

GENERATOR_VERSION = "1.0.0"
TRUTH_FILES = (
    "customer_archetypes",
    "customer_duplicates",
    "customer_crosswalk",
    "parent_links",
    "planted_faults",
    "archetype_switches",
    "drift_episodes",
)


@dataclass(frozen=True)
class GenerationReport:
    """What a generation wrote: rows per landing file, planted faults and the time it took."""

    landing_dir: Path
    truth_dir: Path
    files: dict[str, Path]
    row_counts: dict[str, int]
    clean_row_counts: dict[str, int]
    fault_counts: dict[str, int]
    elapsed_seconds: float


@dataclass
class _Run:
    """State shared by the monthly batches of one generation."""

    settings: GeneratorSettings
    window: TimeWindow
    universe: CustomerUniverse
    catalogue: ProductCatalogue
    plan: DemandPlan
    drift: PlantedDrift
    numbering: Numbering
    planter: FaultPlanter
    drivers: CostDrivers
    writer: LandingWriter


def _generate_month(run: _Run, month: int) -> None:
    seed, window, drift = run.settings.seed, run.window, run.drift
    # Behaviour behind this month's orders, returns and payments (switched from the drift on).
    universe = drift.customers_in(month, run.universe)

    def stream(name: str) -> np.random.Generator:
        return random_stream(seed, name, month)

    batch = generate_orders(
        month,
        run.universe,
        run.catalogue,
        run.plan.order_counts[:, month],
        run.plan.extra_lines_factor,
        window,
        stream("orders"),
        units_factor=drift.units_factor_in(month),
    )
    batch = drift.switch_orders(batch, run.catalogue, run.plan.extra_lines_factor, window)
    fault_rng = stream("faults")
    order_picks = run.planter.choose("erp__orders", batch.order_count, fault_rng)
    line_picks = run.planter.choose("erp__order_lines", batch.line_count, fault_rng)
    quantity_to_ship = batch.quantity.copy()
    # A line whose quantity is planted as zero or negative cannot be shipped.
    quantity_to_ship[line_picks["nonpositive_quantity"]] = 0
    planned = ship_orders(batch, quantity_to_ship, universe, run.catalogue, stream("logistics"))
    # The extract holds no shipment (nor its picks, pack, returns) that left after it was taken;
    # cut before planting, so shipment faults sit on the shipments written.
    shipments = planned.shipped_by(window.extract_date)
    activity = warehouse_activity(batch, shipments, run.catalogue, stream("warehouse"))
    returns = draw_returns(batch, shipments, universe, window, stream("returns"))
    invoices = invoice_orders(batch, planned, universe, window, stream("finance"))
    # Dedicated stock is a warehouse contract: the drift leaves storage as it was.
    storage = monthly_storage(
        month, run.universe, run.plan, run.catalogue, window, stream("storage")
    )

    numbering = run.numbering
    ids = MonthIds(
        order=numbering.ids("order", numbering.take("order", batch.order_count)),
        order_line=numbering.ids("order_line", numbering.take("order_line", batch.line_count)),
        shipment=numbering.ids("shipment", numbering.take("shipment", shipments.count)),
    )
    writer, planter = run.writer, run.planter

    orders = plant_order_faults(
        order_frame(batch, universe, ids),
        order_picks,
        universe.erp_width,
        universe.erp_record_count,
        fault_rng,
    )
    offset = writer.append("erp__orders", orders)
    for fault, rows in order_picks.items():
        planter.record(fault, ids.order.gather(rows), offset + rows + 1)

    lines, position = plant_line_faults(
        order_line_frame(batch, run.catalogue, ids), line_picks, fault_rng
    )
    offset = writer.append("erp__order_lines", lines)
    for fault, rows in line_picks.items():
        # The planted copy of a duplicated line is the row right after its source.
        after_source = 2 if fault == "duplicate_order_line" else 1
        planter.record(fault, ids.order_line.gather(rows), offset + position[rows] + after_source)

    shipment_picks = planter.choose("tms__shipments", shipments.count, fault_rng)
    shipment_rows = plant_shipment_faults(
        shipment_frame(shipments, batch, universe, ids), shipment_picks, fault_rng
    )
    offset = writer.append("tms__shipments", shipment_rows)
    for fault, rows in shipment_picks.items():
        planter.record(fault, ids.shipment.gather(rows), offset + rows + 1)

    line_count = shipments.line_shipment.size
    writer.append(
        "tms__shipment_lines",
        shipment_line_frame(shipments, ids, numbering.take("shipment_line", line_count), numbering),
    )
    writer.append(
        "wms__activity",
        activity_frame(
            activity, shipments, ids, numbering.take("activity", activity.units.size), numbering
        ),
    )
    writer.append(
        "erp__returns",
        return_frame(
            returns,
            batch,
            universe,
            ids,
            numbering.take("return", returns.order_line.size),
            numbering,
        ),
    )
    writer.append(
        "finance__invoices",
        invoice_frame(
            invoices, universe, ids, numbering.take("invoice", invoices.order.size), numbering
        ),
    )
    writer.append(
        "wms__storage",
        storage_frame(
            storage,
            window.month_starts[month],
            universe,
            numbering.take("storage", storage.customer.size),
            numbering,
        ),
    )

    drivers = run.drivers
    drivers.add("orders", window.month_index(batch.order_date))
    drivers.add("shipments", window.month_index(shipments.ship_date))
    pick_month = window.month_index(activity.timestamp.astype("datetime64[D]"))
    drivers.add("pick_minutes", np.where(activity.is_pack, -1, pick_month), activity.labor_minutes)
    drivers.add("pack_minutes", np.where(activity.is_pack, pick_month, -1), activity.labor_minutes)
    drivers.add("return_lines", window.month_index(returns.return_date))
    drivers.add("pallet_days", np.full(storage.customer.size, month), storage.pallet_days)
    add_receivable_exposure(drivers, invoices, window)


def _drift_manifest(drift: PlantedDrift) -> dict[str, Any]:
    return {
        "drift": {
            "switched_customers": int(drift.switched.size),
            "orders_added": drift.orders_added,
            "orders_removed": drift.orders_removed,
            "expected_order_lines_added": round(drift.lines_added, 1),
        }
    }


def _manifest(run: _Run, report_rows: dict[str, int]) -> dict[str, Any]:
    planter = run.planter
    drift = run.settings.drift
    return {
        "generator_version": GENERATOR_VERSION,
        "settings": run.settings.as_dict(),
        "window": {
            "first_day": str(run.window.first_day),
            "last_day": str(run.window.last_day),
            "extract_date": str(run.window.extract_date),
        },
        "files": {
            source: {
                "path": str(contract.landing_file(Path())),
                "rows": report_rows[source],
            }
            for source, contract in run.writer.contracts.items()
        },
        "row_counts": report_rows,
        "clean_row_counts": dict(planter.seen),
        "fault_counts": dict(planter.counts),
        "fault_sources": FAULT_SOURCES,
        "demand": {
            "orders": run.plan.total_orders,
            "expected_order_lines": round(run.plan.expected_lines, 1),
            "extra_lines_factor": round(run.plan.extra_lines_factor, 6),
        },
        **({} if drift is None else _drift_manifest(run.drift)),
        "truth_files": [f"{name}.csv" for name in TRUTH_FILES],
    }


def default_sources_path() -> Path:
    """Return the path of the landing-file contracts (``config/sources.yaml``)."""
    return config_dir() / "sources.yaml"


def generate(
    settings: GeneratorSettings,
    landing_dir: Path | str,
    truth_dir: Path | str,
    *,
    contracts: dict[str, SourceContract] | None = None,
) -> GenerationReport:
    """Write source extracts into ``landing_dir`` and the planted truth into ``truth_dir``.

    Previous files of the same names are replaced only after every file has been written.

    Parameters
    ----------
    settings
        Scale, seed, master-data quality, fault rates and planted drift.
    landing_dir
        Folder that receives ``<system>/<entity>.<format>`` files.
    truth_dir
        Folder that receives the ground truth and ``manifest.json`` (never read by the
        pipeline).
    contracts
        Landing-file contracts; read from ``config/sources.yaml`` when omitted.

    Returns
    -------
    GenerationReport
        Rows per file, clean records per faulted file, fault counts and elapsed seconds.
    """
    started = time.perf_counter()
    contracts = contracts or load_source_contracts(default_sources_path())
    window = TimeWindow(settings.start_month, settings.months, settings.extract_lag_days)
    universe = build_customers(settings, window)
    catalogue = build_products(settings.customers, window, settings.seed)
    plan = plan_demand(
        universe.behaviour,
        universe.lifecycle,
        window,
        settings.order_lines,
        random_stream(settings.seed, "demand"),
    )
    drift = plant_drift(settings, window, universe, plan)
    numbering = Numbering.for_scale(
        plan.total_orders + drift.orders_added - drift.orders_removed,
        plan.expected_lines + drift.lines_added,
        settings.customers,
        settings.months,
    )
    with LandingWriter(Path(landing_dir), Path(truth_dir), contracts) as writer:
        run = _Run(
            settings=settings,
            window=window,
            universe=universe,
            catalogue=catalogue,
            plan=plan,
            drift=drift,
            numbering=numbering,
            planter=FaultPlanter(settings.faults.as_dict()),
            drivers=CostDrivers(window.months),
            writer=writer,
        )
        writer.append("erp__customers", universe.erp_customers)
        writer.append("erp__products", catalogue.frame)
        writer.append("crm__accounts", universe.crm_accounts)
        writer.append("finance__billing_accounts", universe.billing_accounts)
        for month in range(window.months):
            _generate_month(run, month)
        writer.append(
            "finance__cost_pools",
            cost_pool_frame(run.drivers, window, random_stream(settings.seed, "cost_pools")),
        )
        writer.write_truth("customer_archetypes", universe.truth_archetypes)
        writer.write_truth("customer_duplicates", universe.truth_duplicates)
        writer.write_truth("customer_crosswalk", universe.truth_crosswalk)
        writer.write_truth("parent_links", universe.truth_parent_links)
        writer.write_truth("planted_faults", run.planter.planted())
        writer.write_truth("archetype_switches", drift.truth_switches)
        writer.write_truth("drift_episodes", drift.truth_episodes)
        row_counts = dict(writer.rows)
        writer.write_manifest(_manifest(run, row_counts))
        files = writer.publish()
    return GenerationReport(
        landing_dir=Path(landing_dir),
        truth_dir=Path(truth_dir),
        files=files,
        row_counts=row_counts,
        clean_row_counts=dict(run.planter.seen),
        fault_counts=dict(run.planter.counts),
        elapsed_seconds=round(time.perf_counter() - started, 3),
    )


def frame_summary(report: GenerationReport) -> pl.DataFrame:
    """Rows and size on disk per landing file of a report (for logs and CLIs)."""
    return pl.DataFrame(
        {
            "source": list(report.files),
            "rows": [report.row_counts[s] for s in report.files],
            "bytes": [report.files[s].stat().st_size for s in report.files],
        }
    )
