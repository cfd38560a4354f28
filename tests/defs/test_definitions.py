"""The code location loads as `dagster dev` loads it, with lineage from raw files to marts."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from seg_assets.definitions import defs
from seg_assets.defs.code_location import _check_lineage
from seg_assets.lib.errors import ModelDefinitionError

PROJECT = Path(__file__).resolve().parents[2]


def test_workspace_loads_and_validates_with_the_dagster_cli(tmp_path):
    validated = _dagster_cli(["definitions", "validate", "-w", "workspace.yaml"], tmp_path)
    assert "Validation successful" in validated
    # The Dagster CLI lists the schedule and the sensors, all on by default.
    listed = {
        kind: _dagster_cli([kind, "list", "-w", "workspace.yaml"], tmp_path)
        for kind in ("sensor", "schedule")
    }
    for name in ("landing_files_sensor", "drift_retrain_sensor", "stale_customer_keys_sensor"):
        assert f"Sensor: {name} [RUNNING]" in listed["sensor"]
    assert "Schedule: monthly_refresh_schedule [RUNNING]" in listed["schedule"]


def _dagster_cli(arguments: list[str], home: Path) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), *arguments],
        cwd=PROJECT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr


def test_lineage_runs_from_each_raw_file_to_the_customer_month_mart():
    graph = defs.resolve_asset_graph()
    mart = dg.AssetKey(["marts", "fct_customer_months"])
    upstream = graph.get(mart).parent_keys
    assert upstream == {dg.AssetKey(["marts", "fct_order_lines"])}
    ancestors = graph.upstream_key_iterator(mart)
    assert dg.AssetKey(["raw", "erp__order_lines"]) in set(ancestors)
    assert graph.get(dg.AssetKey(["staging", "stg_erp__order_lines"])).parent_keys == {
        dg.AssetKey(["raw", "erp__order_lines"]),
        dg.AssetKey(["staging", "stg_erp__orders"]),
        dg.AssetKey(["staging", "stg_erp__products"]),
    }
    # Facts key on golden customers, resolved from the CRM, ERP and finance customer records.
    assert (
        dg.AssetKey(["mdm", "crosswalk"])
        in graph.get(dg.AssetKey(["marts", "fct_order_lines"])).parent_keys
    )
    assert dg.AssetKey(["raw", "crm__accounts"]) in set(graph.upstream_key_iterator(mart))


def test_every_asset_has_a_description_group_and_kind():
    specs = list(defs.resolve_all_asset_specs())
    assert len(specs) == 81
    groups = {spec.group_name for spec in specs}
    assert groups == {
        "sources",
        "settings",
        "staging",
        "mdm",
        "intermediate",
        "marts",
        "segmentation",
        "kpi",
        "quality",
        "serving",
    }
    for spec in specs:
        assert spec.description, spec.key
        assert "duckdb" in spec.kinds, spec.key


def test_only_month_facts_are_partitioned():
    partitioned = {
        spec.key.to_user_string()
        for spec in defs.resolve_all_asset_specs()
        if spec.partitions_def is not None
    }
    assert partitioned == {
        "intermediate/int_as_of_month_windows",
        "intermediate/int_customer_activity_months",
        "intermediate/int_cost_driver_volumes",
        "intermediate/int_customer_service_months",
        "intermediate/int_product_velocity_classified",
        "intermediate/int_shipments_freight_imputed",
        "marts/fct_cost_allocations",
        "marts/fct_customer_classes",
        "marts/fct_customer_cost_to_serve_months",
        "marts/fct_customer_features",
        "marts/fct_customer_group_cost_to_serve_months",
        "marts/fct_customer_group_months",
        "marts/fct_customer_months",
        "marts/fct_customer_profitability_months",
        "marts/fct_customer_tiers",
        "marts/fct_group_profitability_months",
        "marts/fct_order_lines",
        "kpi/fct_segment_profiles",
        "kpi/fct_tier_segment_crosstab",
        "segmentation/customer_segment_explanations",
        "segmentation/customer_segments",
        "segmentation/drift_history",
        "segmentation/excluded_customers",
        "segmentation/model_assignments",
        "segmentation/model_registry",
        "segmentation/segment_rules",
    }


def test_a_model_reading_an_unknown_table_fails_at_load_time():
    @dg.asset(key=["marts", "fct_typo"], deps=[dg.AssetKey(["staging", "stg_erp__ordres"])])
    def fct_typo() -> None: ...

    with pytest.raises(ModelDefinitionError, match="staging/stg_erp__ordres"):
        _check_lineage(dg.Definitions(assets=[fct_typo]))
