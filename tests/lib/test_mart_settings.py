"""The marts' settings file becomes tables SQL models can read; a malformed, out-of-range or
inconsistent setting is refused naming the file, the entry and its line."""

import copy
import re
from pathlib import Path

import pytest
import yaml
from config_problems import assert_names_entry

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.mart_settings import (
    SETTINGS_SCHEMA,
    MartSettings,
    MartSettingsError,
    cost_drivers,
    default_mart_settings_path,
    load_mart_settings,
    read_mart_settings,
)
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import discover_models

SHIPPED = yaml.safe_load(default_mart_settings_path().read_text())


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "marts.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def changed(**entries: object) -> dict:
    """The shipped settings with entries replaced: ``a__b`` is ``b`` in section ``a``, ``a__2__b``
    is ``b`` of item 2 of the list ``a``."""
    document = copy.deepcopy(SHIPPED)
    for key, value in entries.items():
        *parents, leaf = key.split("__")
        target = document
        for parent in parents:
            target = target[int(parent)] if parent.isdigit() else target[parent]
        target[int(leaf) if leaf.isdigit() else leaf] = value
    return document


def test_the_shipped_settings_load_as_tables_of_the_files_values():
    tables = load_mart_settings()
    assert list(tables) == list(SHIPPED)
    for name, section in SHIPPED.items():
        items = section if isinstance(section, list) else [section]
        assert tables[name].name == name
        assert tables[name].rows.to_dicts() == items
    classification = tables["classification"].rows
    assert classification.height == 1
    assert classification["abc_a_cumulative_share"].item() == 0.80
    # Integers stay integers (a tier rule is described as 'net margin >= 20000', not 20000.0).
    assert tables["customer_tiers"].rows.schema["min_net_margin"].is_integer()
    assert tables["freight_weight_bands"].rows.schema["from_kg"].is_integer()


def test_the_typed_settings_read_every_section():
    settings = read_mart_settings()
    assert settings.classification.rfm_bins == SHIPPED["classification"]["rfm_bins"]
    assert [driver.cost_pool for driver in settings.cost_pool_drivers] == [
        item["cost_pool"] for item in SHIPPED["cost_pool_drivers"]
    ]
    assert settings.customer_tiers[-1].is_catch_all


def test_a_list_item_may_leave_a_condition_null_or_out(tmp_path):
    tiers = [
        {"tier": "A", "priority": 1, "min_net_margin": 5},
        {"tier": "B", "priority": 2, "min_net_margin": None, "max_cost_to_serve_pct": None},
    ]
    rows = load_mart_settings(_write(tmp_path, changed(customer_tiers=tiers)))["customer_tiers"]
    assert rows.rows.rows() == [("A", 1, 5, None), ("B", 2, None, None)]


def test_the_fingerprint_changes_with_the_content_only(tmp_path):
    first = load_mart_settings(_write(tmp_path, SHIPPED))
    path = tmp_path / "marts.yaml"
    path.write_text("# a comment\n" + yaml.safe_dump(SHIPPED, default_flow_style=True))
    same = load_mart_settings(path)
    other = load_mart_settings(_write(tmp_path, changed(features__returns_prior_units=60)))
    for name in first:
        assert first[name].fingerprint == same[name].fingerprint
        assert (first[name].fingerprint == other[name].fingerprint) == (name != "features")


def test_the_cost_drivers_are_read_from_their_model():
    assert cost_drivers() == {
        "pick_events": "order_line",
        "packed_units": "order_line",
        "pallet_days": "customer",
        "shipped_weight_kg": "order_line",
        "orders": "order",
        "returns": "order_line",
        "receivable_days": "invoice",
    }


def test_every_section_is_read_by_a_model_and_every_table_read_is_a_section():
    read = {
        name
        for model in discover_models(sql_dir())
        for schema, name in model.upstream
        if schema == SETTINGS_SCHEMA
    }
    assert read == set(MartSettings.model_fields)


# (the document, the entry blamed, the message)
MALFORMED = [
    pytest.param(
        changed(clasification={}),
        "clasification",
        "unknown key; did you mean classification?",
        id="unknown-section",
    ),
    pytest.param(
        changed(classification__rfm_bin=5),
        "classification.rfm_bin",
        "unknown key; did you mean rfm_bins?",
        id="unknown-setting",
    ),
    pytest.param(
        changed(classification__xyz_x_max_cv=-0.5),
        "classification.xyz_x_max_cv",
        "should be greater than 0 (got -0.5)",
        id="negative-x-max-cv",
    ),
    pytest.param(
        changed(classification__xyz_x_max_cv=1.2),
        "classification.xyz_x_max_cv",
        "xyz_x_max_cv 1.2 must be below xyz_y_max_cv 1.0, else class Y would be empty",
        id="x-cv-above-y",
    ),
    pytest.param(
        changed(classification__abc_a_cumulative_share=0.95),
        "classification.abc_a_cumulative_share",
        "must be below abc_b_cumulative_share 0.95, else class B would be empty",
        id="abc-a-not-below-b",
    ),
    pytest.param(
        changed(classification__abc_b_cumulative_share=1.2),
        "classification.abc_b_cumulative_share",
        "should be less than or equal to 1 (got 1.2)",
        id="abc-b-above-1",
    ),
    pytest.param(
        changed(classification__velocity_medium_cumulative_share=0.7),
        "classification.velocity_fast_cumulative_share",
        "else no product would be medium",
        id="velocity-unordered",
    ),
    pytest.param(
        changed(classification__rfm_bins=10),
        "classification.rfm_bins",
        "should be less than or equal to 9 (got 10)",
        id="rfm-bins-10",
    ),
    pytest.param(
        changed(classification__rfm_bins=1),
        "classification.rfm_bins",
        "should be greater than or equal to 2 (got 1)",
        id="rfm-bins-1",
    ),
    pytest.param(
        changed(classification__adi_cutoff=1.0),
        "classification.adi_cutoff",
        "should be greater than 1 (got 1.0)",
        id="adi-cutoff-1",
    ),
    pytest.param(
        changed(classification__window_months="12"),
        "classification.window_months",
        "should be a valid integer (got '12')",
        id="window-as-text",
    ),
    pytest.param(
        changed(classification__window_months=12.5),
        "classification.window_months",
        "should be a valid integer (got 12.5)",
        id="window-fraction",
    ),
    pytest.param(
        changed(cost_pool_drivers__1__cost_driver="packed_unit"),
        "cost_pool_drivers[1].cost_driver",
        "'packed_unit' is not a cost driver of intermediate.int_cost_driver_volumes;"
        " did you mean packed_units?",
        id="unknown-cost-driver",
    ),
    pytest.param(
        changed(cost_pool_drivers__2__allocated_to="order_line"),
        "cost_pool_drivers[2].allocated_to",
        "pallet_days is counted per customer in intermediate.int_cost_driver_volumes:"
        " write allocated_to: customer",
        id="driver-on-wrong-object",
    ),
    pytest.param(
        changed(cost_pool_drivers__2__allocated_to="customers"),
        "cost_pool_drivers[2].allocated_to",
        "'customers' is not an object carrying a driver; did you mean customer?",
        id="unknown-object",
    ),
    pytest.param(
        changed(cost_pool_drivers__3__cost_pool="warehouse_picking"),
        "cost_pool_drivers[3].cost_pool",
        "'warehouse_picking' is listed more than once; list it once",
        id="pool-listed-twice",
    ),
    pytest.param(
        changed(cost_pool_drivers__0__cost_pool="Warehouse Picking"),
        "cost_pool_drivers[0].cost_pool",
        "trims and lower-cases cost_pool; write 'warehouse picking'",
        id="pool-never-matches",
    ),
    pytest.param(
        changed(cost_pool_drivers=[]),
        "cost_pool_drivers",
        "should have at least 1 item",
        id="no-cost-drivers",
    ),
    pytest.param(
        changed(freight_weight_bands__3__from_kg=4),
        "freight_weight_bands[3].from_kg",
        "4 is not above the previous band's 5: list bands by increasing from_kg",
        id="bands-unordered",
    ),
    pytest.param(
        changed(freight_weight_bands__0__from_kg=1),
        "freight_weight_bands[0].from_kg",
        "the first band must start at 0",
        id="bands-not-from-0",
    ),
    pytest.param(
        changed(freight_weight_bands__2__from_kg=-5),
        "freight_weight_bands[2].from_kg",
        "should be greater than or equal to 0 (got -5)",
        id="negative-band",
    ),
    pytest.param(
        changed(freight_weight_bands__2__from_kg="5kg"),
        "freight_weight_bands[2].from_kg",
        "should be a number (got '5kg')",
        id="band-not-a-number",
    ),
    pytest.param(
        changed(freight_imputation__min_known_shipments=0),
        "freight_imputation.min_known_shipments",
        "should be greater than or equal to 1 (got 0)",
        id="zero-known-shipments",
    ),
    pytest.param(
        changed(profitability__whale_curve_months=True),
        "profitability.whale_curve_months",
        "should be a valid integer (got True)",
        id="months-boolean",
    ),
    pytest.param(
        changed(features__trend_min_months=13),
        "features.trend_min_months",
        "trend_min_months 13 is above window_months 12: volume_trend would always be null",
        id="trend-longer-than-window",
    ),
    pytest.param(
        changed(features__returns_prior_units=-1),
        "features.returns_prior_units",
        "should be greater than or equal to 0 (got -1)",
        id="negative-prior",
    ),
    pytest.param(
        changed(customer_tiers__1__priority=4),
        "customer_tiers[1].priority",
        "Gold is tried after Standard, which every customer fits: it can never place a"
        " customer; give it a priority below 3",
        id="tier-after-catch-all",
    ),
    pytest.param(
        changed(customer_tiers__1__priority=1),
        "customer_tiers[1].priority",
        "1 is listed more than once",
        id="tier-priority-twice",
    ),
    pytest.param(
        changed(customer_tiers__1__max_cost_to_serve_pct=0),
        "customer_tiers[1].max_cost_to_serve_pct",
        "should be greater than 0 (got 0)",
        id="zero-cost-to-serve-cap",
    ),
    pytest.param(
        changed(customer_tiers__0__tier=""),
        "customer_tiers[0].tier",
        "should have at least 1 character",
        id="blank-tier",
    ),
    pytest.param(
        changed(profitability=None),
        "profitability",
        "should be a mapping",
        id="section-empty",
    ),
]


@pytest.mark.parametrize(("document", "entry", "message"), MALFORMED)
def test_a_malformed_setting_names_the_file_the_entry_and_its_line(
    tmp_path, document, entry, message
):
    with pytest.raises(MartSettingsError) as raised:
        load_mart_settings(_write(tmp_path, document))
    assert_names_entry(raised.value, entry, message)
    assert isinstance(raised.value, ConfigFileError)
    assert isinstance(raised.value, SegAssetsError)


def test_a_missing_section_and_a_yaml_error_are_placed(tmp_path):
    document = changed()
    del document["features"]
    with pytest.raises(MartSettingsError, match=r": line 1, column 1: features: required"):
        load_mart_settings(_write(tmp_path, document))
    path = tmp_path / "marts.yaml"
    path.write_text("classification:\n  rfm_bins: [5\nfeatures: {}\n")
    with pytest.raises(
        MartSettingsError,
        match=rf"^{re.escape(str(path))}: line 3, column 9: invalid YAML: while parsing a flow",
    ):
        load_mart_settings(path)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    document = changed(
        classification__rfm_bins=12,
        profitability__whale_curve_month=12,
        freight_imputation__min_known_shipments=-1,
    )
    with pytest.raises(MartSettingsError) as raised:
        load_mart_settings(_write(tmp_path, document))
    assert len(raised.value.problems) == 3
    assert str(raised.value).startswith(f"{tmp_path / 'marts.yaml'}: 3 errors:\n")
