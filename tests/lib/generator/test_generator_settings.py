"""config/generator.yaml: the shipped file loads to the defaults plus the demo drift; broken
copies fail naming the file, the entry and its line; overrides are validated like the file."""

import datetime as dt
from pathlib import Path

import pytest
from config_problems import assert_listed_at_once, assert_names, write_edited

from seg_assets.lib.generator.archetypes import ARCHETYPE_NAMES
from seg_assets.lib.generator.settings import (
    ArchetypeShares,
    FaultRates,
    GeneratorConfigError,
    GeneratorSettings,
    default_generator_settings_path,
    load_generator_settings,
)

SHIPPED = default_generator_settings_path().read_text(encoding="utf-8")


def test_the_shipped_file_holds_the_defaults_and_reads_every_entry():
    settings = load_generator_settings()
    assert settings.replace(drift=None) == GeneratorSettings()
    assert (settings.customers, settings.months, settings.order_lines) == (5000, 25, 500_000)
    assert settings.start_month == dt.date(2024, 11, 1)
    assert settings.archetype_share_map["long_tail_occasional"] == 0.40
    assert settings.crm_erp_ref_share == 0.30
    assert settings.faults.missing_freight_cost == 0.03
    assert settings.drift is not None and settings.drift.market_shift is not None


def test_every_archetype_has_a_share():
    assert tuple(ArchetypeShares.model_fields) == ARCHETYPE_NAMES


def test_the_manifest_view_keeps_its_flat_layout():
    view = load_generator_settings().as_dict()
    assert list(view) == [
        "seed",
        "customers",
        "months",
        "order_lines",
        "start_month",
        "archetype_shares",
        "erp_duplicate_share",
        "crm_duplicate_share",
        "finance_duplicate_share",
        "subsidiary_share",
        "recorded_parent_share",
        "crm_erp_ref_share",
        "extract_lag_days",
        "faults",
        "drift",
    ]
    assert view["start_month"] == "2024-11-01"
    assert view["drift"]["archetype_switch"]["from"] == ["long_tail_occasional"]


def test_overrides_are_named_as_before_and_validated_like_the_file():
    settings = load_generator_settings(customers=300, months=6, order_lines=20_000, seed=7)
    assert (settings.customers, settings.months, settings.seed) == (300, 6, 7)
    # The demo drift lies after a six-month window: nothing is planted.
    assert settings.drift is None
    changed = settings.replace(
        crm_duplicate_share=0.1,
        start_month="2025-01-01",
        faults={"missing_freight_cost": 0.0},
        drift={"from_month": "2025-03-01", "market_shift": {}},
    )
    assert changed.crm_duplicate_share == 0.1
    assert changed.start_month == dt.date(2025, 1, 1)
    assert changed.faults == FaultRates(missing_freight_cost=0.0)
    assert changed.drift_month == 2
    path = default_generator_settings_path()
    with pytest.raises(GeneratorConfigError) as raised:
        load_generator_settings(customers=10, custmers=300)
    assert str(raised.value) == (
        f"{path}: custmers: no such setting; did you mean customers? (given as an override)"
    )
    with pytest.raises(GeneratorConfigError) as raised:
        load_generator_settings(customers=10)
    assert str(raised.value) == (
        f"{path}: scale.customers: should be greater than or equal to 50 (got 10)"
        " (given as an override)"
    )


def test_an_empty_section_takes_its_defaults(tmp_path):
    path = tmp_path / "generator.yaml"
    path.write_text("scale:\nfaults:\n  # every rate commented out\ndrift: null\n")
    assert load_generator_settings(path) == GeneratorSettings()


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The shipped file with ``old`` replaced by ``new``, and the line of ``new``."""
    path = tmp_path / "generator.yaml"
    return path, write_edited(path, SHIPPED, old, new)


BROKEN = [
    pytest.param(
        "  customers: 5000", "  custmers: 5000", "scale.custmers",
        "unknown key; did you mean customers?", id="unknown-key",
    ),
    pytest.param(
        "seed: 20241101", "sed: 20241101", "sed", "unknown key; did you mean seed?",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "seed: 20241101", "seed: -1", "seed", "should be greater than or equal to 0 (got -1)",
        id="negative-seed",
    ),
    pytest.param(
        "  customers: 5000", "  customers: 10", "scale.customers",
        "should be greater than or equal to 50 (got 10)", id="too-few-customers",
    ),
    pytest.param(
        "  months: 25", "  months: 2.5", "scale.months", "should be a valid integer (got 2.5)",
        id="months-fraction",
    ),
    pytest.param(
        "  months: 25", "  months: 300", "scale.months",
        "should be less than or equal to 240 (got 300)", id="months-above-240",
    ),
    pytest.param(
        "  start_month: 2024-11-01", "  start_month: 2024-11-15", "scale.start_month",
        "2024-11-15 is not the first day of a month", id="start-mid-month",
    ),
    pytest.param(
        "  start_month: 2024-11-01", "  start_month: November", "scale.start_month",
        "'November' is not a date YYYY-MM-01", id="start-not-a-date",
    ),
    pytest.param(
        "  order_lines: 500000", "  order_lines: 100", "scale.order_lines",
        "100 over 25 months is below 10 a month; set at least 250", id="too-few-order-lines",
    ),
    pytest.param(
        "  large_steady: 0.10 ", "  large_stedy: 0.10 ", "archetype_shares.large_stedy",
        "unknown key; did you mean large_steady?", id="unknown-archetype",
    ),
    pytest.param(
        "  large_steady: 0.10 ", "  large_steady: 0.20 ", "archetype_shares",
        "the shares sum to 1.1; they must sum to 1", id="shares-sum-above-one",
    ),
    pytest.param(
        "  high_returns: 0.10 ", "  # high_returns: 0.10 ", "archetype_shares",
        "name every archetype: high_returns missing", id="archetype-missing",
    ),
    pytest.param(
        "  large_steady: 0.10 ", "  large_steady: -0.10 ", "archetype_shares.large_steady",
        "should be greater than or equal to 0", id="negative-share",
    ),
    pytest.param(
        "  erp_duplicate_share: 0.02 ", "  erp_duplicate_share: 0.7 ",
        "master_data.erp_duplicate_share", "should be less than or equal to 0.5 (got 0.7)",
        id="duplicate-share-above-half",
    ),
    pytest.param(
        "  crm_erp_ref_share: 0.30 ", "  crm_erp_ref_share: yes ",
        "master_data.crm_erp_ref_share", "should be a valid number (got True)",
        id="share-read-as-boolean",
    ),
    pytest.param(
        "extract_lag_days: 5", "extract_lag_days: -5", "extract_lag_days",
        "should be greater than or equal to 0 (got -5)", id="negative-lag",
    ),
    pytest.param(
        "  missing_order_date: 0.001 ", "  missing_order_date: 0.5 ", "faults.missing_order_date",
        "should be less than or equal to 0.1 (got 0.5)", id="fault-rate-above-limit",
    ),
    pytest.param(
        "  missing_order_date: 0.001 ", "  missing_invoice: 0.001 ", "faults.missing_invoice",
        "unknown key", id="unknown-fault",
    ),
    pytest.param(
        "  from_month: 2026-11-01", "  from_month: 2024-10-01", "drift.from_month",
        "lies before the first generated month 2024-11-01", id="drift-before-window",
    ),
    pytest.param(
        "    to: large_steady", "    to: long_tail_occasional", "drift.archetype_switch.to",
        "long_tail_occasional is also in from", id="switch-to-itself",
    ),
    pytest.param(
        "    share: 0.3", "    share: 1.3", "drift.archetype_switch.share",
        "should be less than or equal to 1 (got 1.3)", id="switch-share-above-one",
    ),
    pytest.param(
        "    units_per_line_factor: 0.8", "    units_per_line_factor: 1",
        "drift.market_shift.units_per_line_factor", "1 changes nothing", id="shift-of-one",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "entry", "says"), BROKEN)
def test_a_broken_file_names_the_file_the_entry_and_its_line(tmp_path, old, new, entry, says):
    path, line = broken(tmp_path, old, new)
    if "." not in entry and not new.lstrip().startswith(entry):
        # A problem of a whole section is placed at the section's key.
        line = SHIPPED.splitlines().index(f"{entry}:") + 1
    with pytest.raises(GeneratorConfigError) as raised:
        load_generator_settings(path)
    assert_names(raised.value, path, line, entry, says)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    text = (
        SHIPPED.replace("  customers: 5000", "  customers: 10")
        .replace("  large_steady: 0.10 ", "  large_steady: 0.20 ")
        .replace("  missing_order_date: 0.001 ", "  missing_order_date: 0.5 ")
    )
    path = tmp_path / "generator.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GeneratorConfigError) as raised:
        load_generator_settings(path)
    entries = ["scale.customers", "archetype_shares", "faults.missing_order_date"]
    assert_listed_at_once(raised.value, path, entries)


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path, _ = broken(tmp_path, "    from: [long_tail_occasional]", "    from: [long_tail")
    with pytest.raises(GeneratorConfigError, match=rf"^{path}: line \d+, column \d+: invalid YAML"):
        load_generator_settings(path)
