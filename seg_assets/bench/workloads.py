"""Each measured workload, run alone in a child process: ``python -m seg_assets.bench.workloads``.

The parent measures the child's wall time and peak resident memory, so every workload pays its
own imports and nothing it allocates stays in the parent.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

    from seg_assets.lib.bare_duckdb import WarehouseStep

MART = ("marts", "fct_customer_months")
FEATURES = ("marts", "fct_customer_features")
SEGMENTATION_GROUP = "segmentation"


def _dagster_run(landing: Path, warehouse: Path, scope: str, month: str | None = None) -> None:
    import dagster as dg

    from seg_assets.definitions import defs
    from seg_assets.defs.mdm.assets import MDM_GROUP
    from seg_assets.defs.partitions import month_range_tags
    from seg_assets.defs.resources import (
        GroundTruth,
        LandingFiles,
        ServingFile,
        StewardOverridesFile,
        warehouse_resource,
    )
    from seg_assets.lib.mdm.overrides import default_overrides_path
    from seg_assets.lib.serving import serving_beside

    # Scopes come from the Definitions, never a hand-kept list, so new assets are measured.
    selections = {
        "all": dg.AssetSelection.all(),
        "mart_path": _with_check_inputs(
            dg.AssetSelection.assets(dg.AssetKey(list(MART))).upstream(), defs
        ),
        "partitioned": dg.AssetSelection.assets(
            *[s.key for s in defs.resolve_all_asset_specs() if s.partitions_def is not None]
        ),
        "mdm": _with_check_inputs(dg.AssetSelection.groups(MDM_GROUP).upstream(), defs),
        # What segmentation reads, built once; then the segmentation group alone is timed.
        "features": _with_check_inputs(
            dg.AssetSelection.assets(dg.AssetKey(list(FEATURES)))
            .upstream()
            .required_multi_asset_neighbors(),
            defs,
        ),
        "segmentation": dg.AssetSelection.groups(SEGMENTATION_GROUP),
    }
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={
            "duckdb": warehouse_resource(str(warehouse)),
            "landing": LandingFiles(path=str(landing)),
            "serving": ServingFile(path=str(serving_beside(warehouse))),
            "steward_overrides": StewardOverridesFile(path=str(default_overrides_path())),
            "ground_truth": GroundTruth(path=str(truth_beside(landing))),
        },
        tags=month_range_tags(month),
        selection=selections[scope],
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    step_seconds_file(warehouse).write_text(
        json.dumps(_step_seconds(instance.all_logs(result.run_id)), indent=1)
    )


def _with_check_inputs(
    selection: "dg.AssetSelection", defs: "dg.Definitions"
) -> "dg.AssetSelection":
    """``selection`` plus the other assets its checks read, with their upstream.

    A scope built on a fresh warehouse runs the checks of its assets, and a check that also
    reads another table (the golden customers, for a fact keyed on them) would fail on a
    table the scope never built.
    """
    import dagster as dg

    selected = selection.resolve(defs.resolve_asset_graph())
    read = {
        dep.asset_key
        for checks in defs.asset_checks
        for spec in checks.check_specs
        if spec.asset_key in selected
        for dep in spec.additional_deps
    }
    return selection | dg.AssetSelection.assets(*read).upstream()


def truth_beside(landing: Path) -> Path:
    """The planted truth the generator writes next to a landing folder."""
    return landing.parent / "truth"


def step_seconds_file(warehouse: Path) -> Path:
    """Where a Dagster workload leaves the seconds each of its steps took."""
    return warehouse.with_suffix(".steps.json")


def _step_seconds(entries: "list[dg.EventLogEntry]") -> dict[str, float]:
    import dagster as dg

    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in entries:
        event, step = entry.dagster_event, entry.step_key
        if event is None or step is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[step] = entry.timestamp
        elif event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            seconds[step] = round(entry.timestamp - started.get(step, entry.timestamp), 3)
    return seconds


def dagster_full(landing: Path, warehouse: Path) -> None:
    """Every asset and check, all months in one run, through in-process ``materialize``."""
    _dagster_run(landing, warehouse, "all")


def dagster_mart_path(landing: Path, warehouse: Path) -> None:
    """Only what the customer-month mart needs (the pandas path's scope), with its checks."""
    _dagster_run(landing, warehouse, "mart_path")


def dagster_mdm(landing: Path, warehouse: Path) -> None:
    """The master-data group and what it needs upstream (the customer sources), with checks."""
    _dagster_run(landing, warehouse, "mdm")


def dagster_partition(landing: Path, warehouse: Path) -> None:
    """The month-partitioned assets and their checks for the last month only."""
    from seg_assets.defs.partitions import monthly_partitions

    _dagster_run(landing, warehouse, "partitioned", monthly_partitions.get_partition_keys()[-1])


def dagster_features(landing: Path, warehouse: Path) -> None:
    """Everything the segmentation reads (the feature mart and its upstream), all months."""
    _dagster_run(landing, warehouse, "features")


def dagster_segmentation_train(landing: Path, warehouse: Path) -> None:
    """The segmentation group for the last month only, on a warehouse with features and no
    model yet: one training (selection, constraint, alignment, stability, explanations)."""
    from seg_assets.defs.partitions import monthly_partitions

    _dagster_run(landing, warehouse, "segmentation", monthly_partitions.get_partition_keys()[-1])


def dagster_segmentation_all(landing: Path, warehouse: Path) -> None:
    """The segmentation group for every month: trainings at the retraining cadence, scoring
    in between."""
    _dagster_run(landing, warehouse, "segmentation")


def bare_kmeans(landing: Path, warehouse: Path) -> None:
    """The notebook baseline: read the last month's features, transform and scale them the
    same way, fit one k-means with the chosen number of segments. No selection, constraint,
    alignment, stability, explanation or publication."""
    from datetime import date

    from sklearn.cluster import KMeans

    from seg_assets.defs.partitions import monthly_partitions
    from seg_assets.lib.segmentation.model import transform_features
    from seg_assets.lib.segmentation.preparation import apply_scaler, fit_scaler, impute_median
    from seg_assets.lib.segmentation.settings import load_segmentation_settings
    from seg_assets.lib.warehouse import connect_warehouse

    settings = load_segmentation_settings()
    month = date.fromisoformat(monthly_partitions.get_partition_keys()[-1])
    with connect_warehouse(warehouse, read_only=True) as con:
        frame = con.sql(
            "select * from marts.fct_customer_features where as_of_month = ?", params=[month]
        ).pl()
        [(segments,)] = con.execute(
            "select count(*) from segmentation.segment_definitions where segment_kind = 'cluster'"
            " and status <> 'retired' and model_version = (select model_version from"
            " segmentation.model_registry order by as_of_month desc, created_at desc limit 1)"
        ).fetchall()
    imputed = impute_median(transform_features(frame, settings.features)).values
    scaled = apply_scaler(imputed, fit_scaler(imputed, settings.scaling))
    KMeans(
        n_clusters=segments, n_init=settings.selection.kmeans_restarts, random_state=settings.seed
    ).fit(scaled)


def bare_steps(landing: Path) -> "list[WarehouseStep]":
    """Every step of a bare run on ``landing``: source loads, master-data steps, SQL models."""
    from seg_assets.defs.partitions import monthly_partitions
    from seg_assets.lib.bare_duckdb import (
        master_data_steps,
        model_step,
        segmentation_step,
        settings_steps,
        source_step,
    )
    from seg_assets.lib.mart_settings import load_mart_settings
    from seg_assets.lib.mdm.settings import load_mdm_settings
    from seg_assets.lib.pipeline_settings import load_pipeline_settings
    from seg_assets.lib.project import config_dir, sql_dir
    from seg_assets.lib.segmentation.settings import load_segmentation_settings
    from seg_assets.lib.source_contracts import load_source_contracts
    from seg_assets.lib.sql_models import discover_models

    window = monthly_partitions.get_partition_keys()
    start = monthly_partitions.time_window_for_partition_key(window[0]).start.date()
    end = monthly_partitions.time_window_for_partition_key(window[-1]).end.date()
    return [
        *(
            source_step(contract, landing)
            for contract in load_source_contracts(config_dir() / "sources.yaml").values()
        ),
        *settings_steps(tuple(load_mart_settings().values())),
        # No steward overrides: the yardstick measures the matching model's own work.
        *master_data_steps(
            load_mdm_settings(), load_pipeline_settings().duckdb_config, overrides=()
        ),
        *(model_step(model, start, end) for model in discover_models(sql_dir())),
        segmentation_step(load_segmentation_settings(), start, end),
    ]


def _bare_duckdb(landing: Path, warehouse: Path, mart_path_only: bool) -> None:
    from seg_assets.lib.bare_duckdb import run_order
    from seg_assets.lib.pipeline_settings import load_pipeline_settings
    from seg_assets.lib.warehouse import connect_warehouse

    targets = {".".join(MART)} if mart_path_only else None
    config = load_pipeline_settings().duckdb_config
    with connect_warehouse(warehouse, config=config) as con:
        for step in run_order(bare_steps(landing), targets):
            step.run(con)


def bare_duckdb(landing: Path, warehouse: Path) -> None:
    """Every SQL model and master-data step in dependency order on bare DuckDB (no Dagster, no
    quarantine)."""
    _bare_duckdb(landing, warehouse, mart_path_only=False)


def bare_mart_path(landing: Path, warehouse: Path) -> None:
    """Only the models and master-data steps the customer-month mart needs, on bare DuckDB."""
    _bare_duckdb(landing, warehouse, mart_path_only=True)


def pandas_reference(landing: Path, warehouse: Path) -> None:
    """The pandas path most teams would write: staging, order-line fact, customer months."""
    from seg_assets.lib.pandas_reference import build_customer_months

    result = build_customer_months(landing)
    result.customer_months.to_parquet(warehouse.with_suffix(".parquet"))


WORKLOADS = {
    "dagster_full": dagster_full,
    "dagster_mart_path": dagster_mart_path,
    "bare_mart_path": bare_mart_path,
    "dagster_partition": dagster_partition,
    "dagster_mdm": dagster_mdm,
    "bare_duckdb": bare_duckdb,
    "pandas": pandas_reference,
    "dagster_features": dagster_features,
    "dagster_segmentation_train": dagster_segmentation_train,
    "dagster_segmentation_all": dagster_segmentation_all,
    "bare_kmeans": bare_kmeans,
}


def main(argv: list[str] | None = None) -> int:
    """Run one workload on ``--landing`` writing ``--warehouse``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    args = parser.parse_args(argv)
    WORKLOADS[args.workload](args.landing, args.warehouse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
