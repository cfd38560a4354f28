"""A corpus of bad configurations, each as an operator would make it (a typo, a wrong type, a
value out of range, thresholds out of order, a reference to something that does not exist, a
YAML slip): the error names the file, the key and its line, and a run against a built
warehouse fails before its first step, leaving every file of the warehouse and the serving
snapshot byte for byte as they were."""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import assert_failed_before_any_step, run_pipeline
from test_preflight import file_digests

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.config.catalog import ConfigurationError, validate_configuration
from seg_assets.lib.project import config_dir
from seg_assets.lib.serving.publish import serving_beside
from seg_assets.lib.warehouse import warehouse_files


@dataclass(frozen=True)
class Case:
    """``old`` replaced by ``new`` in ``file``; the error must name ``key`` on the line of
    ``at`` (default: the first line of ``new``) and say ``says`` (where ``{new_line}`` is the
    line of ``new``)."""

    id: str
    file: str
    old: str
    new: str
    key: str
    says: str
    at: str | None = None


CASES = [
    Case(
        "key-typo",
        "segmentation.yaml",
        "retrain_every_months: 3",
        "retrain_every_month: 3",
        "retrain_every_month",
        "unknown key; did you mean retrain_every_months?",
    ),
    Case(
        "impossible-min-share",
        "segmentation.yaml",
        "min_volume_share: 0.05",
        "min_volume_share: 0.9",
        "min_volume_share",
        "no model could meet it",
    ),
    Case(
        "negative-robust-z",
        "segmentation.yaml",
        "min_robust_z: 3.5",
        "min_robust_z: -1",
        "strategic_outliers.min_robust_z",
        "should be greater than 0 (got -1)",
    ),
    Case(
        "feature-not-in-mart",
        "segmentation.yaml",
        "{feature: demand_cv,",
        "{feature: demand_cvv,",
        "features[4].feature",
        "'demand_cvv' is not a column of marts.fct_customer_features; did you mean demand_cv?",
    ),
    Case(
        "unknown-scaling",
        "segmentation.yaml",
        "scaling: standard",
        "scaling: minmax",
        "scaling",
        "should be 'standard' or 'robust' (got 'minmax')",
    ),
    Case(
        "segment-range-reversed",
        "segmentation.yaml",
        "max_segments: 8",
        "max_segments: 2",
        "selection.min_segments",
        "min_segments 3 is above max_segments 2",
        at="min_segments: 3",
    ),
    Case(
        "share-above-one",
        "segmentation.yaml",
        "holdout_share: 0.3",
        "holdout_share: 1.3",
        "stability.holdout_share",
        "should be less than 1 (got 1.3)",
    ),
    Case(
        "boolean-for-number",
        "segmentation.yaml",
        "max_noise_share: 0.10",
        "max_noise_share: yes",
        "selection.max_noise_share",
        "should be a valid number (got True)",
    ),
    Case(
        "duplicate-key",
        "segmentation.yaml",
        "seed: 20261126",
        "seed: 20261126\nseed: 1",
        "seed",
        "duplicate key (YAML would keep only the last)",
        at="seed: 1",
    ),
    Case(
        "yaml-syntax",
        "segmentation.yaml",
        "scaling: standard",
        "scaling: [standard",
        "",
        "invalid YAML: while parsing a flow sequence (line {new_line}, column 10)",
        at="data_errors:\n",
    ),
    Case(
        "negative-x-max-cv",
        "marts.yaml",
        "xyz_x_max_cv: 0.5",
        "xyz_x_max_cv: -0.5",
        "classification.xyz_x_max_cv",
        "should be greater than 0 (got -0.5)",
    ),
    Case(
        "abc-shares-unordered",
        "marts.yaml",
        "abc_a_cumulative_share: 0.80",
        "abc_a_cumulative_share: 0.97",
        "classification.abc_a_cumulative_share",
        "below",
    ),
    Case(
        "rfm-bins-ten",
        "marts.yaml",
        "rfm_bins: 5",
        "rfm_bins: 10",
        "classification.rfm_bins",
        "(got 10)",
    ),
    Case(
        "unknown-cost-driver",
        "marts.yaml",
        "cost_driver: pallet_days",
        "cost_driver: pallet_dayz",
        "cost_pool_drivers[2].cost_driver",
        "did you mean pallet_days?",
    ),
    Case(
        "sources-columns-typo",
        "sources.yaml",
        "    columns:\n      customer_id: VARCHAR\n      customer_name:",
        "    colums:\n      customer_id: VARCHAR\n      customer_name:",
        "sources.erp__customers.colums",
        "unknown key; did you mean columns?",
        at="    colums:",
    ),
    Case(
        "sources-key-not-a-column",
        "sources.yaml",
        "key: customer_id",
        "key: customer_no",
        "sources.erp__customers.key",
        "'customer_no' is not a declared column",
    ),
    Case(
        "memory-limit-without-unit",
        "pipeline.yaml",
        "memory_limit: 2GB",
        "memory_limit: lots",
        "duckdb.memory_limit",
        "is not a memory size DuckDB reads",
    ),
    Case(
        "zero-threads",
        "pipeline.yaml",
        "threads: 2",
        "threads: 0",
        "duckdb.threads",
        "(got 0)",
    ),
    Case(
        "partitions-mid-month",
        "pipeline.yaml",
        'start: "2024-11-01"',
        'start: "2024-11-15"',
        "partitions.start",
        "is not the first day of a month",
    ),
    Case(
        "cron-hour",
        "automation.yaml",
        'cron: "0 6 2 * *"',
        'cron: "0 25 2 * *"',
        "schedule.cron",
        "is outside 0-23",
    ),
    Case(
        "unknown-timezone",
        "automation.yaml",
        "timezone: UTC",
        "timezone: Mars/Olympus",
        "schedule.timezone",
        "is not a time zone of the IANA database",
    ),
    Case(
        "interval-as-text",
        "automation.yaml",
        "landing_interval_seconds: 60",
        'landing_interval_seconds: "60"',
        "sensors.landing_interval_seconds",
        "should be a valid integer (got '60')",
    ),
    Case(
        "landing-date-column-typo",
        "automation.yaml",
        "erp__orders: order_date",
        "erp__orders: order_dt",
        "landing.months_by_date.erp__orders",
        "did you mean order_date?",
    ),
    Case(
        "drift-thresholds-unordered",
        "automation.yaml",
        "psi: {watch: 0.1, act: 0.25}",
        "psi: {watch: 0.3, act: 0.25}",
        "drift.thresholds.psi.watch",
        "watch 0.3 is above act",
    ),
    Case(
        "smoothing-above-one",
        "kpi.yaml",
        "smoothing: 0.3",
        "smoothing: 1.5",
        "alerts.smoothing",
        "should be less than 1 (got 1.5)",
    ),
    Case(
        "confidence-as-percent",
        "kpi.yaml",
        "confidence: 0.95",
        "confidence: 95",
        "differentials.confidence",
        "should be less than 1 (got 95)",
    ),
    Case(
        "mdm-threshold-typo",
        "mdm.yaml",
        "match_threshold: 0.9",
        "match_treshold: 0.9",
        "match_treshold",
        "unknown key; did you mean match_threshold?",
    ),
    Case(
        "mdm-column-not-in-records",
        "mdm.yaml",
        "tax_id: {column: tax_id,",
        "tax_id: {column: tax_idd,",
        "fields.tax_id.column",
        "did you mean tax_id?",
    ),
    Case(
        "override-without-approver",
        "mdm_overrides.yaml",
        "overrides: []",
        "overrides:\n  - {id: SO-1, action: force_match, records: ['erp:C1', 'crm:A1'],"
        " when: 2026-12-01, why: same firm}",
        "overrides[0].who",
        "required",
        at="  - {id: SO-1",
    ),
    Case(
        "bi-view-source-typo",
        "serving.yaml",
        "source: marts.dim_customers",
        "source: marts.dim_customer",
        "views.customers.source",
        "did you mean marts.dim_customers?",
    ),
    Case(
        "quality-band-negative",
        "quality.yaml",
        "row_count_band: 0.5",
        "row_count_band: -0.5",
        "thresholds.row_count_band",
        "(got -0.5)",
    ),
    Case(
        "quality-batch-as-text",
        "quality.yaml",
        "batch_rows: 1000000",
        "batch_rows: lots",
        "validation.batch_rows",
        "should be a valid integer (got 'lots')",
    ),
    Case(
        "quarantine-rule-typo",
        "quarantine_rules.yaml",
        "  missing_amount:",
        "  missing_amout:",
        "rules.missing_amout",
        "did you mean missing_amount?",
    ),
    Case(
        "generator-customers-typo",
        "generator.yaml",
        "  customers: 5000",
        "  custmers: 5000",
        "scale.custmers",
        "unknown key; did you mean customers?",
    ),
]


@pytest.fixture(scope="module")
def built(tiny_warehouse, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the materialized tiny warehouse and its landing; cases must leave it as is."""
    database, landing = tiny_warehouse
    root = tmp_path_factory.mktemp("bad_configuration")
    for path in [*warehouse_files(database), serving_beside(database)]:
        shutil.copy2(path, root / path.name)
    return root / database.name, landing


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_bad_configuration_is_named_and_the_warehouse_untouched(
    case, built, tmp_path, monkeypatch
):
    folder = tmp_path / "config"
    shutil.copytree(config_dir(), folder)
    path = folder / case.file
    shipped = path.read_text()
    assert case.old in shipped, f"{case.old!r} is no longer in {case.file}: update the case"
    edited = shipped.replace(case.old, case.new, 1)
    path.write_text(edited)
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(folder))

    with pytest.raises(ConfigurationError) as raised:
        validate_configuration()
    says = case.says.format(new_line=_line_of(edited, case.new))
    line = _line_of(edited, case.at or case.new.splitlines()[0])
    key = f"{re.escape(case.key)}: " if case.key else ""
    message = str(raised.value)
    assert re.search(rf"^{re.escape(str(path))}: ", message, re.MULTILINE), message
    assert re.search(
        rf"(: |^  )line {line}, column \d+: {key}.*" + re.escape(says), message, re.MULTILINE
    ), message

    database, landing = built
    before = file_digests(database)
    # The settings tables: a run that would rewrite tables of the warehouse at once. The check
    # runs when the run is set up, whatever it selects.
    try:
        result = run_pipeline(database, landing, selection="group:settings", raise_on_error=False)
    except ConfigFileError as error:
        # pipeline.yaml sets up the warehouse resource itself: refused before any run starts.
        assert error.path == path
    else:
        assert says in assert_failed_before_any_step(result)
    assert file_digests(database) == before


def test_a_misspelt_file_name_is_named_with_the_file_it_should_be(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    shutil.copytree(config_dir(), folder)
    (folder / "segmentation.yaml").rename(folder / "segmentaton.yaml")
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(folder))

    with pytest.raises(ConfigurationError) as raised:
        validate_configuration()

    assert (
        f"{folder / 'segmentaton.yaml'}: no part of the platform reads this file; did you mean"
        " segmentation.yaml?"
    ) in str(raised.value)
    assert f"{folder / 'segmentation.yaml'}: file not found" in str(raised.value)
