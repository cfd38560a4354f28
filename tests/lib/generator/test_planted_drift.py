"""Planted drift in the synthetic generator: settings, truth files and what moves when."""

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from config_problems import assert_names

from seg_assets.lib.generator import (
    ArchetypeSwitch,
    DriftSettings,
    FaultRates,
    GenerationReport,
    GeneratorConfigError,
    GeneratorSettings,
    MarketShift,
    generate,
)
from seg_assets.lib.project import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config" / "generator.yaml"
SCALE = {"customers": 300, "months": 14, "order_lines": 30_000}
# Window month 12 of 14: two drifted months, the first one the 12th of a trailing year.
FROM_MONTH = dt.date(2025, 11, 1)
SWITCH = {"share": 0.3, "from": ["long_tail_occasional"], "to": "large_steady"}
SHIFT = {"units_per_line_factor": 0.8}
DRIFTS = {
    "none": None,
    "switch": {"from_month": FROM_MONTH, "archetype_switch": SWITCH},
    "shift": {"from_month": FROM_MONTH, "market_shift": SHIFT},
    "both": {"from_month": FROM_MONTH, "archetype_switch": SWITCH, "market_shift": SHIFT},
}
# Content comparisons across runs need clean rows: planted faults are placed per month batch,
# so a month with other orders gets its faults on other rows.
NO_FAULTS = FaultRates(**dict.fromkeys(FaultRates().as_dict(), 0.0))
ORDER_CONTENT = (
    "customer_id",
    "order_date",
    "requested_delivery_date",
    "channel",
    "line_number",
    "product_id",
    "quantity_ordered",
    "unit_price",
    "promised_date",
)


def _settings(drift: dict | None, **changes: object) -> GeneratorSettings:
    return GeneratorSettings.from_yaml(CONFIG, **SCALE, drift=drift, **changes)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GenerationReport]:
    root = tmp_path_factory.mktemp("drift")
    return {
        name: generate(
            _settings(drift, faults=NO_FAULTS), root / name / "landing", root / name / "truth"
        )
        for name, drift in DRIFTS.items()
    }


def _csv(report: GenerationReport, relative: str) -> pl.DataFrame:
    return pl.read_csv(report.landing_dir / relative, infer_schema=False)


def _truth(report: GenerationReport, name: str) -> pl.DataFrame:
    return pl.read_csv(report.truth_dir / f"{name}.csv", infer_schema=False)


def _order_lines(report: GenerationReport) -> pl.DataFrame:
    """Order lines with their order, the real customer and the order month."""
    crosswalk = _truth(report, "customer_crosswalk").filter(pl.col("source_system") == "erp")
    orders = _csv(report, "erp/orders.csv").join(
        crosswalk.select("source_id", "true_customer_id"),
        left_on="customer_id",
        right_on="source_id",
    )
    return (
        _csv(report, "erp/order_lines.csv")
        .join(orders, on="order_id")
        .with_columns(
            pl.col("order_date").str.to_date().dt.month_start().alias("month"),
            pl.col("quantity_ordered").cast(pl.Int64),
        )
    )


def _switched(report: GenerationReport) -> pl.Series:
    return _truth(report, "archetype_switches")["customer_id"]


def _content(lines: pl.DataFrame) -> pl.DataFrame:
    """Orders and lines without their record ids (renumbered when a month gains orders)."""
    return lines.select(ORDER_CONTENT).sort(ORDER_CONTENT)


def _is_switched(report: GenerationReport) -> pl.Expr:
    return pl.col("true_customer_id").is_in(_switched(report).implode())


def _drifted() -> pl.Expr:
    return pl.col("month") >= FROM_MONTH


# --- settings --------------------------------------------------------------------------------


def test_the_default_data_holds_the_demo_episode_in_its_newest_month() -> None:
    settings = GeneratorSettings.from_yaml(CONFIG)
    assert settings.drift == DriftSettings(
        from_month=dt.date(2026, 11, 1),
        archetype_switch=ArchetypeSwitch.model_validate(
            {"share": 0.3, "from": ["long_tail_occasional"], "to": "large_steady"}
        ),
        market_shift=MarketShift(units_per_line_factor=0.8),
    )
    assert settings.drift_month == settings.months - 1
    assert settings.as_dict()["drift"]["from_month"] == "2026-11-01"


def test_drift_section_is_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "generator.yaml"
    path.write_text(
        "scale:\n  months: 14\n"
        "drift:\n  from_month: 2025-11-01\n"
        "  archetype_switch: {share: 0.5, from: project_lumpy, to: large_steady}\n"
        "  market_shift: null\n"
    )
    settings = GeneratorSettings.from_yaml(path)
    assert settings.drift == DriftSettings(
        from_month=dt.date(2025, 11, 1),
        archetype_switch=ArchetypeSwitch.model_validate(
            {"share": 0.5, "from": "project_lumpy", "to": "large_steady"}
        ),
    )
    assert settings.drift.archetype_switch is not None
    assert settings.drift.archetype_switch.from_archetypes == ("project_lumpy",)
    assert settings.drift_month == 12
    assert settings.as_dict()["drift"] == {
        "from_month": "2025-11-01",
        "archetype_switch": {"share": 0.5, "from": ["project_lumpy"], "to": "large_steady"},
        "market_shift": None,
    }
    assert settings.replace(drift=None).drift is None


@pytest.mark.parametrize(
    ("drift", "entry", "message"),
    [
        (
            "{from_month: 2024-10-01, market_shift: {}}",
            "drift.from_month",
            "2024-10-01 lies before the first generated month 2024-11-01",
        ),
        (
            "{from_month: 2025-11-15, market_shift: {}}",
            "drift.from_month",
            "2025-11-15 is not the first day of a month",
        ),
        ("{from_month: soon, market_shift: {}}", "drift.from_month", "'soon' is not a date"),
        (
            "{from_month: 2025-11-01 10:00:00, market_shift: {}}",
            "drift.from_month",
            "write the date only",
        ),
        ("{market_shift: {}}", "drift.from_month", "required"),
        ("{from_month: 2025-11-01}", "drift", "set archetype_switch or market_shift"),
        ("{from_month: 2025-11-01, trend: 0.1}", "drift.trend", "unknown key"),
        ("[2025-11-01]", "drift", "should be a mapping"),
        (
            "{from_month: 2025-11-01, archetype_switch: {share: 1.5}}",
            "drift.archetype_switch.share",
            "should be less than or equal to 1 (got 1.5)",
        ),
        (
            "{from_month: 2025-11-01, archetype_switch: {share: 0}}",
            "drift.archetype_switch.share",
            "should be greater than 0 (got 0)",
        ),
        (
            "{from_month: 2025-11-01, archetype_switch: {share: many}}",
            "drift.archetype_switch.share",
            "should be a valid number (got 'many')",
        ),
        (
            "{from_month: 2025-11-01, archetype_switch: {from: [nobody]}}",
            "drift.archetype_switch.from[0]",
            "'nobody' is not an archetype",
        ),
        (
            "{from_month: 2025-11-01, archetype_switch: {from: [high_returns, high_returns]}}",
            "drift.archetype_switch.from",
            "an archetype is listed twice",
        ),
        (
            "{from_month: 2025-11-01, archetype_switch: {to: large_stedy}}",
            "drift.archetype_switch.to",
            "'large_stedy' is not an archetype; did you mean large_steady?",
        ),
        (
            "{from_month: 2025-11-01, archetype_switch: {from: large_steady}}",
            "drift.archetype_switch.to",
            "large_steady is also in from",
        ),
        (
            "{from_month: 2025-11-01, market_shift: {units_per_line_factor: 0}}",
            "drift.market_shift.units_per_line_factor",
            "should be greater than or equal to 0.1 (got 0)",
        ),
        (
            "{from_month: 2025-11-01, market_shift: {units_per_line_factor: 1}}",
            "drift.market_shift.units_per_line_factor",
            "1 changes nothing; set market_shift: null for no shift",
        ),
        (
            "{from_month: 2025-11-01, market_shift: {factor: 0.8}}",
            "drift.market_shift.factor",
            "unknown key; expected one of units_per_line_factor",
        ),
    ],
)
def test_bad_drift_settings_name_the_file_and_key(
    tmp_path: Path, drift: str, entry: str, message: str
) -> None:
    path = tmp_path / "generator.yaml"
    path.write_text(f"scale:\n  start_month: 2024-11-01\n  months: 24\ndrift: {drift}\n")
    with pytest.raises(GeneratorConfigError) as raised:
        GeneratorSettings.from_yaml(path)
    assert_names(raised.value, path, 4, entry, message)


def test_a_drift_after_the_window_plants_nothing_and_one_before_it_is_refused() -> None:
    drift = {"from_month": "2025-11-01", "market_shift": SHIFT}
    assert GeneratorSettings.from_yaml(CONFIG, months=6, drift=drift).drift is None
    assert GeneratorSettings.from_yaml(CONFIG, months=13, drift=drift).drift_month == 12
    early = {"from_month": "2024-10-01", "market_shift": SHIFT}
    with pytest.raises(
        GeneratorConfigError,
        match=r"drift\.from_month: 2024-10-01 lies before .* \(given as an override\)",
    ) as raised:
        GeneratorSettings.from_yaml(CONFIG, drift=early)
    assert str(raised.value).startswith(f"{CONFIG}: ")


# --- truth -----------------------------------------------------------------------------------


def test_switched_customers_are_the_planted_share_of_the_source_archetype(
    runs: dict[str, GenerationReport],
) -> None:
    report = runs["switch"]
    archetypes = _truth(report, "customer_archetypes")
    switches = _truth(report, "archetype_switches")
    sources = archetypes.filter(pl.col("archetype") == "long_tail_occasional")
    assert switches.height == round(0.3 * sources.height) > 0
    assert switches["customer_id"].is_unique().all()
    assert switches["customer_id"].is_in(sources["customer_id"].implode()).all()
    assert set(switches["from_archetype"]) == {"long_tail_occasional"}
    assert set(switches["to_archetype"]) == {"large_steady"}
    assert set(switches["from_month"]) == {FROM_MONTH.isoformat()}
    assert switches.equals(_truth(runs["both"], "archetype_switches"))


def test_episodes_describe_each_planted_part(runs: dict[str, GenerationReport]) -> None:
    kinds = {name: _truth(report, "drift_episodes") for name, report in runs.items()}
    assert kinds["both"]["kind"].to_list() == ["archetype_switch", "market_shift"]
    assert kinds["switch"]["kind"].to_list() == ["archetype_switch"]
    assert kinds["shift"]["kind"].to_list() == ["market_shift"]
    assert set(kinds["both"]["from_month"]) == {FROM_MONTH.isoformat()}
    switched = _truth(runs["both"], "archetype_switches").height
    assert kinds["both"]["description"][0].startswith(f"{switched} of ")
    assert "x 0.8" in kinds["both"]["description"][1]
    # Without drift both truth files hold their header only.
    truth = runs["none"].truth_dir
    assert (truth / "archetype_switches.csv").read_text() == (
        "customer_id,from_archetype,to_archetype,from_month\n"
    )
    assert (truth / "drift_episodes.csv").read_text() == "from_month,kind,description\n"
    manifest = json.loads((runs["both"].truth_dir / "manifest.json").read_text())
    assert manifest["settings"]["drift"]["archetype_switch"]["to"] == "large_steady"
    assert manifest["drift"]["switched_customers"] == switched
    assert "drift" not in json.loads((truth / "manifest.json").read_text())


# --- what moves and what does not ------------------------------------------------------------


def test_master_data_and_storage_do_not_move(runs: dict[str, GenerationReport]) -> None:
    unchanged = (
        "landing/erp/customers.csv",
        "landing/crm/accounts.csv",
        "landing/finance/billing_accounts.csv",
        "landing/erp/products.csv",
        "landing/wms/storage.csv",
        "truth/customer_archetypes.csv",
        "truth/customer_crosswalk.csv",
        "truth/customer_duplicates.csv",
        "truth/parent_links.csv",
    )
    root = runs["none"].landing_dir.parent
    for name in ("switch", "shift", "both"):
        other = runs[name].landing_dir.parent
        for path in unchanged:
            assert (root / path).read_bytes() == (other / path).read_bytes(), (name, path)


@pytest.mark.parametrize("name", ["switch", "shift", "both"])
def test_records_before_the_drift_month_are_unchanged(
    runs: dict[str, GenerationReport], name: str
) -> None:
    baseline, drifted = runs["none"], runs[name]
    orders = _csv(baseline, "erp/orders.csv").filter(
        pl.col("order_date").str.to_date() < FROM_MONTH
    )
    assert orders.height > 0
    ids = orders["order_id"].implode()
    # Ids included: numbering runs month by month, so earlier months keep their numbers.
    for relative in ("erp/orders.csv", "erp/order_lines.csv", "finance/invoices.csv"):
        before = _csv(baseline, relative).filter(pl.col("order_id").is_in(ids))
        assert before.equals(_csv(drifted, relative).filter(pl.col("order_id").is_in(ids)))
    lines = _csv(baseline, "erp/order_lines.csv").filter(pl.col("order_id").is_in(ids))
    line_ids = lines["order_line_id"].implode()
    returns = _csv(baseline, "erp/returns.csv").filter(pl.col("order_line_id").is_in(line_ids))
    assert returns.height > 0
    assert returns.equals(
        _csv(drifted, "erp/returns.csv").filter(pl.col("order_line_id").is_in(line_ids))
    )


def test_with_faults_the_files_up_to_the_drift_month_are_byte_identical(
    tmp_path: Path,
) -> None:
    """Faults of the months before the drift land on the same rows with the same values."""
    reports = {
        name: generate(_settings(DRIFTS[name]), tmp_path / name / "landing", tmp_path / name)
        for name in ("none", "both")
    }
    texts = {
        name: {
            kind: (report.landing_dir / f"erp/{kind}.csv").read_text().splitlines()
            for kind in ("orders", "order_lines")
        }
        for name, report in reports.items()
    }
    orders = _csv(reports["none"], "erp/orders.csv").with_row_index()
    # Rows up to the last one dated before the drift (an emptied date may be either side).
    earlier = orders.filter(pl.col("order_date").str.to_date() < FROM_MONTH)
    last = int(earlier["index"].max())
    assert texts["none"]["orders"][: last + 2] == texts["both"]["orders"][: last + 2]
    assert texts["none"]["orders"][last + 2 :] != texts["both"]["orders"][last + 2 :]
    kept = set(orders["order_id"].head(last + 1))
    lines = _csv(reports["none"], "erp/order_lines.csv")
    count = lines["order_id"].is_in(list(kept)).arg_min()
    assert count is not None and count > 0
    assert texts["none"]["order_lines"][: count + 1] == texts["both"]["order_lines"][: count + 1]


def test_switched_customers_order_as_the_new_archetype(
    runs: dict[str, GenerationReport],
) -> None:
    report = runs["switch"]
    lines = _order_lines(report)
    archetypes = _truth(report, "customer_archetypes")
    large = archetypes.filter(pl.col("archetype") == "large_steady")["customer_id"]
    months_before, months_after = 12, 2

    def volume(group: pl.Expr, customers: int, months: int) -> dict[str, float]:
        chosen = lines.filter(group)
        orders = chosen["order_id"].n_unique()
        return {
            "orders_per_month": orders / (customers * months),
            "lines_per_order": chosen.height / orders,
            "units_per_line": float(chosen["quantity_ordered"].mean()),
        }

    switched = _switched(report)
    before = volume(_is_switched(report) & ~_drifted(), switched.len(), months_before)
    after = volume(_is_switched(report) & _drifted(), switched.len(), months_after)
    genuine = volume(
        pl.col("true_customer_id").is_in(large.implode()) & _drifted(), large.len(), months_after
    )
    # Measured at this scale (36 switched, 30 genuine large_steady customers): orders per
    # customer-month 0.17 -> 4.1 (genuine 4.4), lines per order 1.9 -> 5.4 (5.3), units per
    # line 5.8 -> 56.5 (61.6). The bounds leave room for other seeds, not for another archetype.
    assert after["orders_per_month"] > 10 * before["orders_per_month"]
    assert 0.6 < after["orders_per_month"] / genuine["orders_per_month"] < 1.5
    assert after["lines_per_order"] > 2 * before["lines_per_order"]
    assert 0.75 < after["lines_per_order"] / genuine["lines_per_order"] < 1.33
    assert after["units_per_line"] > 4 * before["units_per_line"]
    assert 0.5 < after["units_per_line"] / genuine["units_per_line"] < 2


def test_switched_customers_pay_as_the_new_archetype(runs: dict[str, GenerationReport]) -> None:
    report = runs["switch"]
    orders = (
        _order_lines(report)
        .filter(_is_switched(report))
        .select("order_id", "month", "true_customer_id")
        .unique()
    )
    invoices = (
        _csv(report, "finance/invoices.csv")
        .join(orders, on="order_id")
        .filter(pl.col("payment_date").is_not_null())
        .with_columns(
            (pl.col("payment_date").str.to_date() - pl.col("due_date").str.to_date())
            .dt.total_days()
            .alias("days_late")
        )
    )
    late = invoices.group_by(_drifted().alias("drifted")).agg(pl.col("days_late").mean())
    days = dict(zip(late["drifted"], late["days_late"], strict=True))
    # long_tail_occasional pays ~25 days late, large_steady about on time (measured: 25.5 days
    # over 73 paid invoices before, -1.2 over 288 after).
    assert days[False] > 15
    assert days[True] < 5


def test_other_customers_keep_their_orders(runs: dict[str, GenerationReport]) -> None:
    # The same customers in every run: those the switch run (and the both run) switched.
    switched = _is_switched(runs["switch"])

    def others(name: str) -> pl.DataFrame:
        return _order_lines(runs[name]).filter(~switched & _drifted())

    assert others("none").height > 0
    assert _content(others("switch")).equals(_content(others("none")))
    assert _content(others("both")).equals(_content(others("shift")))
    # With the market shift only the units differ.
    without_units = [c for c in ORDER_CONTENT if c != "quantity_ordered"]
    both, none = (
        others(name).select(without_units).sort(without_units) for name in ("both", "none")
    )
    assert both.equals(none)


@pytest.mark.parametrize(("shifted", "unshifted"), [("shift", "none"), ("both", "switch")])
def test_market_shift_scales_units_per_line(
    runs: dict[str, GenerationReport], shifted: str, unshifted: str
) -> None:
    assert (runs[shifted].landing_dir / "erp/orders.csv").read_bytes() == (
        runs[unshifted].landing_dir / "erp/orders.csv"
    ).read_bytes()
    lines = _order_lines(runs[unshifted]).join(
        _order_lines(runs[shifted]).select(
            "order_line_id", "order_id", "product_id", pl.col("quantity_ordered").alias("shifted")
        ),
        on=["order_line_id", "order_id", "product_id"],
    )
    assert lines.height == _order_lines(runs[unshifted]).height
    earlier, later = lines.filter(~_drifted()), lines.filter(_drifted())
    assert (earlier["shifted"] == earlier["quantity_ordered"]).all()
    # Units are rounded to whole units (at least 1) after the factor, so per line
    # round(0.8 q) - 0.8 round(q) lies within +-0.9 units; lines capped at 20 pallets may keep
    # more, never fewer.
    assert (later["shifted"] <= later["quantity_ordered"]).all()
    assert (later["shifted"] >= 0.8 * later["quantity_ordered"] - 0.9).all()
    mean = float(later["quantity_ordered"].mean())
    ratio = float(later["shifted"].mean()) / mean
    assert abs(ratio - 0.8) <= 0.9 / mean
