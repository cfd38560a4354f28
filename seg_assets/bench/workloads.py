"""Each measured workload, run alone in a child process: ``python -m seg_assets.bench.workloads``.

The parent measures the child's wall time and peak resident memory, so every workload pays its
own imports and nothing it allocates stays in the parent.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import dagster as dg

MART = ("marts", "fct_customer_months")


def _dagster_run(landing: Path, warehouse: Path, scope: str, month: str | None = None) -> None:
    import dagster as dg

    from seg_assets.definitions import defs
    from seg_assets.defs.partitions import month_range_tags
    from seg_assets.defs.resources import LandingFiles, ServingFile, warehouse_resource
    from seg_assets.lib.serving import serving_beside

    # Scopes come from the Definitions, never a hand-kept list, so new assets are measured.
    selections = {
        "all": dg.AssetSelection.all(),
        "mart_path": dg.AssetSelection.assets(dg.AssetKey(list(MART))).upstream(),
        "partitioned": dg.AssetSelection.assets(
            *[s.key for s in defs.resolve_all_asset_specs() if s.partitions_def is not None]
        ),
    }
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={
            "duckdb": warehouse_resource(str(warehouse)),
            "landing": LandingFiles(path=str(landing)),
            "serving": ServingFile(path=str(serving_beside(warehouse))),
        },
        tags=month_range_tags(month),
        selection=selections[scope],
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    step_seconds_file(warehouse).write_text(
        json.dumps(_step_seconds(instance.all_logs(result.run_id)), indent=1)
    )


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


def dagster_partition(landing: Path, warehouse: Path) -> None:
    """The month-partitioned assets and their checks for the last month only."""
    from seg_assets.defs.partitions import monthly_partitions

    _dagster_run(landing, warehouse, "partitioned", monthly_partitions.get_partition_keys()[-1])


def _bare_duckdb(landing: Path, warehouse: Path, mart_path_only: bool) -> None:
    from seg_assets.defs.partitions import monthly_partitions
    from seg_assets.lib.bare_duckdb import build_model, load_source
    from seg_assets.lib.pipeline_settings import load_pipeline_settings
    from seg_assets.lib.project import config_dir, sql_dir
    from seg_assets.lib.source_contracts import load_source_contracts
    from seg_assets.lib.sql_models import discover_models

    window = monthly_partitions.get_partition_keys()
    start = monthly_partitions.time_window_for_partition_key(window[0]).start.date()
    end = monthly_partitions.time_window_for_partition_key(window[-1]).end.date()
    config = {str(k): str(v) for k, v in load_pipeline_settings().duckdb_config.items()}
    models = {model.table: model for model in discover_models(sql_dir())}
    needed = set(models)
    if mart_path_only:
        needed = {".".join(MART)}
        for model in reversed(list(models.values())):
            if model.table in needed:
                needed.update(f"{schema}.{name}" for schema, name in model.upstream)
    with duckdb.connect(str(warehouse), config=config) as con:
        for contract in load_source_contracts(config_dir() / "sources.yaml").values():
            if f"raw.{contract.name}" in needed or not mart_path_only:
                load_source(con, contract, landing)
        for table, model in models.items():
            if table in needed:
                build_model(con, model, start, end)


def bare_duckdb(landing: Path, warehouse: Path) -> None:
    """Every SQL model in dependency order on bare DuckDB (no Dagster, no quarantine)."""
    _bare_duckdb(landing, warehouse, mart_path_only=False)


def bare_mart_path(landing: Path, warehouse: Path) -> None:
    """Only the models the customer-month mart needs, on bare DuckDB."""
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
    "bare_duckdb": bare_duckdb,
    "pandas": pandas_reference,
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
