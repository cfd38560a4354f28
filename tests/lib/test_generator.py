"""Synthetic source generator: determinism, file contracts, planted faults and behaviour."""

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from seg_assets.lib.generator import (
    GenerationReport,
    GeneratorConfigError,
    GeneratorSettings,
    generate,
)
from seg_assets.lib.generator.faults import FAULT_SOURCES
from seg_assets.lib.generator.writer import polars_type
from seg_assets.lib.project import PROJECT_ROOT
from seg_assets.lib.source_contracts import SourceContract, load_source_contracts

CONFIG = PROJECT_ROOT / "config" / "generator.yaml"
CONTRACTS = load_source_contracts(PROJECT_ROOT / "config" / "sources.yaml")
# The pinned digests below were written with a 30-day extract lag.
SMALL = {"customers": 300, "months": 6, "order_lines": 20_000, "extract_lag_days": 30}
ERP_ID = r"^C\d{6}$"
# sha256 (first 16 hex digits) of the SMALL run's files as written before planted drift existed;
# Parquet by content, as its bytes name the writer's version. `drift: null` must keep them. If
# the generator's output changes on purpose, regenerate them and say so in the change.
UNDRIFTED_DIGESTS = {
    "landing/crm/accounts.csv": "00959c8cbf2d6a3b",
    "landing/erp/customers.csv": "f4e10a84e065dc09",
    "landing/erp/order_lines.csv": "1624b67a40526b99",
    "landing/erp/orders.csv": "900044fb628e7881",
    "landing/erp/products.csv": "60e02dc992ef4493",
    "landing/erp/returns.csv": "fd51a7b2b7886370",
    "landing/finance/billing_accounts.csv": "092408ade36468ee",
    "landing/finance/cost_pools.csv": "94c6e11ba00447c8",
    "landing/finance/invoices.csv": "74e5cff1823db3d5",
    "landing/tms/shipment_lines.parquet": "ab6380247a54ed45",
    "landing/tms/shipments.parquet": "dc06504c41cb0c91",
    "landing/wms/activity.parquet": "b84b54109fe47469",
    "landing/wms/storage.csv": "b909691ec00ad45d",
    "truth/customer_archetypes.csv": "3522d7616cbf8a24",
    "truth/customer_crosswalk.csv": "83297af96691eb70",
    "truth/customer_duplicates.csv": "3c031c3ea6bbf8b8",
    "truth/parent_links.csv": "9716e00737248bd3",
    "truth/planted_faults.csv": "4e8434da9032df52",
}


@pytest.fixture(scope="module")
def settings() -> GeneratorSettings:
    return GeneratorSettings.from_yaml(CONFIG, **SMALL)


def _generate(root: Path, settings: GeneratorSettings) -> GenerationReport:
    return generate(settings, root / "landing", root / "truth")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, settings: GeneratorSettings) -> GenerationReport:
    return _generate(tmp_path_factory.mktemp("first"), settings)


@pytest.fixture(scope="module")
def rerun(
    tmp_path_factory: pytest.TempPathFactory, settings: GeneratorSettings
) -> GenerationReport:
    return _generate(tmp_path_factory.mktemp("second"), settings)


@pytest.fixture(scope="module")
def other_seed(
    tmp_path_factory: pytest.TempPathFactory, settings: GeneratorSettings
) -> GenerationReport:
    return _generate(tmp_path_factory.mktemp("other"), settings.replace(seed=settings.seed + 1))


def _read(report: GenerationReport, source: str) -> pl.DataFrame:
    """A landing file as the raw loader sees it: CSV all text, 1-based ``row`` added."""
    path = CONTRACTS[source].landing_file(report.landing_dir)
    frame = (
        pl.read_csv(path, infer_schema=False) if path.suffix == ".csv" else pl.read_parquet(path)
    )
    return frame.with_row_index("row", offset=1)


def _truth(report: GenerationReport, name: str) -> pl.DataFrame:
    return pl.read_csv(report.truth_dir / f"{name}.csv", infer_schema=False)


def _planted(report: GenerationReport, fault: str) -> pl.DataFrame:
    return (
        _truth(report, "planted_faults")
        .filter(pl.col("fault") == fault)
        .with_columns(pl.col("source_row").cast(pl.UInt32))
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _typed(report: GenerationReport, source: str) -> pl.DataFrame:
    """Cast a CSV's text with DuckDB like the raw loader; add ``<column>_ok`` flags."""
    contract = CONTRACTS[source]
    rows = _read(report, source)
    checks = ", ".join(
        f"({name} is null or try_cast({name} as {column_type}) is not null) as {name}_ok"
        for name, column_type in contract.columns
    )
    with duckdb.connect() as con:
        con.register("rows", rows)
        return con.sql(f"select *, {checks} from rows order by row").pl()


def _canonical_customer_id(column: str) -> pl.Expr:
    digits = pl.col(column).str.strip_chars().str.to_uppercase().str.slice(1)
    return "C" + digits.str.strip_chars_start("0").str.zfill(6)


# --- settings --------------------------------------------------------------------------------


def test_config_file_holds_the_defaults_and_the_demo_drift_episode() -> None:
    settings = GeneratorSettings.from_yaml(CONFIG)
    assert settings.drift is not None and settings.drift.from_month == dt.date(2026, 11, 1)
    assert settings.replace(drift=None) == GeneratorSettings()


def test_invalid_settings_name_the_problem(tmp_path: Path) -> None:
    defaults = GeneratorSettings()
    with pytest.raises(
        GeneratorConfigError, match=r"scale\.customers: should be greater than or equal to 50"
    ):
        defaults.replace(customers=10)
    with pytest.raises(
        GeneratorConfigError, match=r"scale\.start_month: 2025-01-15 is not the first day"
    ):
        defaults.replace(start_month=dt.date(2025, 1, 15))
    bad = tmp_path / "generator.yaml"
    bad.write_text("faults:\n  missing_invoice: 0.01\n")
    with pytest.raises(
        GeneratorConfigError,
        match=rf"^{bad}: line 2, column 3: faults\.missing_invoice: unknown key",
    ):
        GeneratorSettings.from_yaml(bad)


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_files(run: GenerationReport, rerun: GenerationReport) -> None:
    for source, path in run.files.items():
        twin = rerun.files[source]
        if path.suffix == ".csv":
            assert _digest(path) == _digest(twin), source
        else:
            assert pl.read_parquet(path).equals(pl.read_parquet(twin)), source
    for path in sorted(run.truth_dir.iterdir()):
        assert _digest(path) == _digest(rerun.truth_dir / path.name), path.name


def test_output_without_drift_matches_the_pinned_digests(run: GenerationReport) -> None:
    root = run.landing_dir.parent
    digests = {}
    for name in UNDRIFTED_DIGESTS:
        path = root / name
        if path.suffix == ".parquet":
            data = pl.read_parquet(path).write_csv().encode()
        else:
            data = path.read_bytes()
        digests[name] = hashlib.sha256(data).hexdigest()[:16]
    assert digests == UNDRIFTED_DIGESTS


def test_different_seed_gives_different_data(
    run: GenerationReport, other_seed: GenerationReport
) -> None:
    for source in ("erp__customers", "erp__order_lines", "crm__accounts"):
        assert _digest(run.files[source]) != _digest(other_seed.files[source]), source
    assert not _read(run, "tms__shipments").equals(_read(other_seed, "tms__shipments"))


def test_rerun_replaces_files_and_leaves_no_staging(
    tmp_path: Path, settings: GeneratorSettings
) -> None:
    first = _generate(tmp_path, settings)
    stale = first.files["erp__orders"].read_bytes()
    first.files["erp__orders"].write_text("garbage\n")
    second = _generate(tmp_path, settings)
    assert second.files["erp__orders"].read_bytes() == stale
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing", "truth"]


# --- contracts -------------------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_file_matches_its_contract(run: GenerationReport, source: str) -> None:
    contract: SourceContract = CONTRACTS[source]
    path = contract.landing_file(run.landing_dir)
    assert path == run.landing_dir / contract.system / f"{contract.entity}.{contract.format}"
    frame = _read(run, source)
    assert tuple(frame.columns[1:]) == contract.column_names
    assert frame.height == run.row_counts[source] > 0
    if contract.format == "parquet":
        expected = {name: polars_type(t) for name, t in contract.columns}
        assert dict(frame.drop("row").schema) == expected
        return
    typed = _typed(run, source)
    failures = {
        (name, row)
        for name in contract.column_names
        for row in typed.filter(~pl.col(f"{name}_ok"))["row"].to_list()
    }
    allowed = (
        {("promised_date", r) for r in _planted(run, "unparseable_promised_date")["source_row"]}
        if source == "erp__order_lines"
        else set()
    )
    assert failures == allowed


def test_csv_encoding_and_dates(run: GenerationReport) -> None:
    text = run.files["erp__orders"].read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header == ",".join(CONTRACTS["erp__orders"].column_names)
    assert dt.date.fromisoformat(first.split(",")[2])
    prices = _read(run, "erp__order_lines")["unit_price"]
    assert prices.str.contains(r"^\d+\.\d{2}$").all()
    assert (prices.str.slice(-2) != "00").any()  # money keeps its cents


# --- planted faults --------------------------------------------------------------------------


def test_fault_counts_are_exact(run: GenerationReport, settings: GeneratorSettings) -> None:
    manifest = json.loads((run.truth_dir / "manifest.json").read_text())
    clean = manifest["clean_row_counts"]
    duplicates = run.fault_counts["duplicate_order_line"]
    assert clean["erp__orders"] == run.row_counts["erp__orders"]
    assert clean["tms__shipments"] == run.row_counts["tms__shipments"]
    assert clean["erp__order_lines"] + duplicates == run.row_counts["erp__order_lines"]
    planted = _truth(run, "planted_faults")
    for fault, rate in settings.faults.as_dict().items():
        expected = round(rate * clean[FAULT_SOURCES[fault]])
        assert expected > 0, fault
        assert run.fault_counts[fault] == expected, fault
        assert manifest["fault_counts"][fault] == expected, fault
        assert planted.filter(pl.col("fault") == fault).height == expected, fault
    # One fault per record.
    assert planted.select("source", "source_row").is_unique().all()


def _rows_with(frame: pl.DataFrame, condition: pl.Expr) -> set[int]:
    return set(frame.filter(condition)["row"].to_list())


def _planted_rows(run: GenerationReport, fault: str) -> set[int]:
    return set(_planted(run, fault)["source_row"].to_list())


def test_planted_order_faults_are_in_the_file(run: GenerationReport) -> None:
    orders = _read(run, "erp__orders")
    known = set(_read(run, "erp__customers")["customer_id"].to_list())
    orders = orders.with_columns(
        pl.col("customer_id").is_in(known).alias("known"),
        _canonical_customer_id("customer_id").is_in(known).alias("normalizes"),
        pl.col("order_date").str.to_date(strict=False).alias("ordered"),
        pl.col("requested_delivery_date").str.to_date().alias("requested"),
    )
    assert _rows_with(orders, ~pl.col("known") & ~pl.col("normalizes")) == _planted_rows(
        run, "unknown_customer_id"
    )
    assert _rows_with(orders, ~pl.col("known") & pl.col("normalizes")) == _planted_rows(
        run, "inconsistent_customer_id_format"
    )
    assert _rows_with(orders, pl.col("requested") < pl.col("ordered")) == _planted_rows(
        run, "requested_before_order"
    )
    assert _rows_with(orders, pl.col("order_date").is_null()) == _planted_rows(
        run, "missing_order_date"
    )
    ids = _planted(run, "unknown_customer_id").join(
        orders.select("row", "order_id"), left_on="source_row", right_on="row"
    )
    assert (ids["record_id"] == ids["order_id"]).all()


def test_planted_line_faults_are_in_the_file(run: GenerationReport) -> None:
    lines = _read(run, "erp__order_lines")
    columns = CONTRACTS["erp__order_lines"].column_names
    lines = lines.with_columns(
        pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in columns).alias(
            "copy_of_previous"
        ),
        pl.col("quantity_ordered").cast(pl.Int64).alias("quantity"),
        pl.col("promised_date").str.to_date(strict=False).alias("promised"),
    )
    assert _rows_with(lines, pl.col("copy_of_previous")) == _planted_rows(
        run, "duplicate_order_line"
    )
    assert _rows_with(lines, pl.col("quantity") <= 0) == _planted_rows(run, "nonpositive_quantity")
    assert _rows_with(lines, pl.col("promised").is_null()) == _planted_rows(
        run, "unparseable_promised_date"
    )
    # Non-positive lines are never shipped.
    shipped = set(_read(run, "tms__shipment_lines")["order_line_id"].to_list())
    nonpositive = _planted(run, "nonpositive_quantity")["record_id"].to_list()
    assert not shipped.intersection(nonpositive)


def test_planted_shipment_faults_are_in_the_file(run: GenerationReport) -> None:
    shipments = _read(run, "tms__shipments")
    assert _rows_with(shipments, pl.col("freight_cost").is_null()) == _planted_rows(
        run, "missing_freight_cost"
    )
    assert _rows_with(shipments, pl.col("delivery_date") < pl.col("ship_date")) == _planted_rows(
        run, "delivery_before_ship"
    )


# --- business content ------------------------------------------------------------------------


def test_orders_lie_in_the_window_and_hit_the_line_target(
    run: GenerationReport, settings: GeneratorSettings
) -> None:
    dates = _read(run, "erp__orders")["order_date"].drop_nulls().str.to_date()
    assert dates.min() >= dt.date(2024, 11, 1)
    assert dates.max() <= dt.date(2025, 4, 30)
    clean_lines = run.clean_row_counts["erp__order_lines"]
    assert abs(clean_lines / settings.order_lines - 1) < 0.03


def test_fulfilment_is_consistent(run: GenerationReport) -> None:
    lines = (
        _read(run, "erp__order_lines")
        .unique("order_line_id")
        .with_columns(pl.col("quantity_ordered").cast(pl.Int64))
    )
    shipment_lines = _read(run, "tms__shipment_lines")
    shipments = _read(run, "tms__shipments")
    activity = _read(run, "wms__activity")
    returns = _read(run, "erp__returns")
    shipped = shipment_lines.group_by("order_line_id").agg(pl.col("quantity_shipped").sum())
    joined = shipped.join(lines, on="order_line_id", how="left")
    assert joined["quantity_ordered"].null_count() == 0
    assert (joined["quantity_shipped"] <= joined["quantity_ordered"]).all()
    short = joined.filter(pl.col("quantity_shipped") < pl.col("quantity_ordered")).height
    assert 0.01 < short / lines.height < 0.05
    assert shipment_lines["shipment_id"].is_in(shipments["shipment_id"].implode()).all()
    picks = activity.filter(pl.col("activity_type") == "pick")
    packs = activity.filter(pl.col("activity_type") == "pack")
    assert picks.height == shipment_lines.height
    assert packs.height == shipments.height
    assert packs["order_line_id"].null_count() == packs.height
    assert picks["units"].sum() == packs["units"].sum() == shipment_lines["quantity_shipped"].sum()
    returned = returns.with_columns(pl.col("quantity_returned").cast(pl.Int64)).join(
        shipped, on="order_line_id", how="left"
    )
    assert (returned["quantity_returned"] <= returned["quantity_shipped"]).all()
    invoices = _read(run, "finance__invoices")
    assert invoices["order_id"].is_unique().all()
    assert (
        invoices["billing_account_id"]
        .is_in(_read(run, "finance__billing_accounts")["billing_account_id"].implode())
        .all()
    )


def _customer_stats(run: GenerationReport) -> pl.DataFrame:
    """Per real customer: archetype, orders, orders per active month, units, return rate."""
    crosswalk = _truth(run, "customer_crosswalk").filter(pl.col("source_system") == "erp")
    archetypes = _truth(run, "customer_archetypes").rename({"customer_id": "true_customer_id"})
    orders = (
        _read(run, "erp__orders")
        .join(crosswalk, left_on="customer_id", right_on="source_id")
        .with_columns(pl.col("order_date").str.to_date())
    )
    lines = (
        _read(run, "erp__order_lines")
        .unique("order_line_id")
        .with_columns(pl.col("quantity_ordered").cast(pl.Int64))
    )
    order_size = lines.group_by("order_id").agg(pl.col("quantity_ordered").sum().alias("units"))
    returned = _read(run, "erp__returns").select("order_line_id").unique()
    shipped = _read(run, "tms__shipment_lines").select("order_line_id").unique()
    shipped = shipped.join(lines.select("order_line_id", "order_id"), on="order_line_id").join(
        orders.select("order_id", "true_customer_id"), on="order_id"
    )
    returns = shipped.with_columns(
        pl.col("order_line_id").is_in(returned["order_line_id"].implode()).alias("returned")
    )
    per_customer = (
        orders.join(order_size, on="order_id")
        .group_by("true_customer_id")
        .agg(
            pl.len().alias("orders"),
            (pl.len() / pl.col("order_date").dt.month_start().n_unique()).alias("per_month"),
            pl.col("units").median().alias("order_units"),
        )
    )
    rates = returns.group_by("true_customer_id").agg(pl.col("returned").mean().alias("returns"))
    return (
        archetypes.join(per_customer, on="true_customer_id", how="left")
        .join(rates, on="true_customer_id", how="left")
        .with_columns(pl.col("orders").fill_null(0))
    )


def test_archetypes_differ_in_aggregate_but_overlap(run: GenerationReport) -> None:
    stats = _customer_stats(run)
    by_archetype = stats.group_by("archetype").agg(
        pl.len().alias("customers"),
        pl.col("orders").mean().alias("orders"),
        pl.col("order_units").median().alias("order_units"),
        pl.col("returns").median().alias("returns"),
    )
    summary = {row["archetype"]: row for row in by_archetype.iter_rows(named=True)}
    assert len(summary) >= 5
    assert summary["large_steady"]["order_units"] > summary["small_frequent"]["order_units"]
    assert summary["project_lumpy"]["order_units"] > summary["small_frequent"]["order_units"]
    others = [name for name in summary if name != "high_returns"]
    assert all(summary["high_returns"]["returns"] > 3 * summary[n]["returns"] for n in others)
    assert min(summary, key=lambda name: summary[name]["orders"]) == "long_tail_occasional"

    def spread(feature: str, archetype: str) -> tuple[float, float]:
        values = stats.filter(pl.col("archetype") == archetype)[feature].drop_nulls()
        return values.min(), values.max()

    def overlap(feature: str, first: str, second: str) -> bool:
        (low_a, high_a), (low_b, high_b) = spread(feature, first), spread(feature, second)
        return low_a < high_b and low_b < high_a

    # Neighbouring archetypes overlap on each feature: no single one separates them.
    assert overlap("per_month", "small_frequent", "large_steady")
    assert overlap("per_month", "high_returns", "large_steady")
    assert overlap("order_units", "large_steady", "project_lumpy")
    assert overlap("order_units", "high_returns", "long_tail_occasional")
    assert overlap("order_units", "high_returns", "small_frequent")


def test_truth_refers_to_existing_records(run: GenerationReport) -> None:
    archetypes = _truth(run, "customer_archetypes")
    erp = _read(run, "erp__customers")
    real = set(archetypes["customer_id"].to_list())
    assert real <= set(erp["customer_id"].to_list())
    assert archetypes["customer_id"].str.contains(ERP_ID).all()
    ids = {
        "erp": set(erp["customer_id"].to_list()),
        "crm": set(_read(run, "crm__accounts")["account_id"].to_list()),
        "finance": set(_read(run, "finance__billing_accounts")["billing_account_id"].to_list()),
    }
    crosswalk = _truth(run, "customer_crosswalk")
    duplicates = _truth(run, "customer_duplicates")
    for system, known in ids.items():
        mapped = crosswalk.filter(pl.col("source_system") == system)
        assert set(mapped["source_id"].to_list()) == known, system
        dups = duplicates.filter(pl.col("source_system") == system)
        assert dups.height > 0
        assert set(dups["source_id"].to_list()) <= known
    assert set(crosswalk["true_customer_id"].to_list()) <= real
    assert set(duplicates["true_customer_id"].to_list()) <= real
    links = _truth(run, "parent_links")
    assert 0.1 < links.height / len(real) < 0.2
    assert set(links["child_customer_id"].to_list()) <= real
    assert set(links["parent_customer_id"].to_list()) <= real
    recorded = erp.filter(pl.col("parent_customer_id").is_not_null()).join(
        links, left_on="customer_id", right_on="child_customer_id"
    )
    assert recorded.height == round(0.6 * links.height)
    assert (recorded["parent_customer_id"] == recorded["parent_customer_id_right"]).all()


def test_crm_references_are_sparse_and_sometimes_sloppy(run: GenerationReport) -> None:
    refs = _read(run, "crm__accounts")["erp_customer_ref"]
    assert refs.drop_nulls().len() == round(0.3 * refs.len())
    sloppy = refs.drop_nulls().str.contains(ERP_ID).not_().sum()
    assert 0 < sloppy < refs.drop_nulls().len() / 2


@pytest.mark.slow
def test_default_scale_is_fast_and_hits_the_target(tmp_path: Path) -> None:
    settings = GeneratorSettings.from_yaml(CONFIG)
    started = time.perf_counter()
    report = _generate(tmp_path, settings)
    assert time.perf_counter() - started < 60
    clean = report.clean_row_counts["erp__order_lines"]
    assert abs(clean / settings.order_lines - 1) <= 0.02
    dates = pl.read_csv(report.files["erp__orders"], infer_schema=False)["order_date"]
    parsed = dates.drop_nulls().str.to_date()
    months_after = settings.start_month.month - 1 + settings.months
    window_end = dt.date(settings.start_month.year + months_after // 12, months_after % 12 + 1, 1)
    assert parsed.min() >= settings.start_month and parsed.max() < window_end
