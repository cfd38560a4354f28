"""The warehouse built by bare DuckDB, without Dagster, quarantine or metadata: the yardstick.

Each landing file is loaded with DuckDB's own reader into a typed table, each SQL model
becomes ``create or replace table ... as <model>`` with the partitioned models run once over
the whole window, and the master-data steps written in Python run the same library functions
the Dagster assets call. Every step is run in dependency order. This is the practical lower
bound for the pipeline's work.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from seg_assets.lib.errors import ModelDefinitionError
from seg_assets.lib.landing_files import open_landing_file
from seg_assets.lib.mart_settings import SETTINGS_SCHEMA, SettingsTable
from seg_assets.lib.mdm.overrides import StewardOverride
from seg_assets.lib.mdm.resolution import (
    CROSSWALK,
    HIERARCHY,
    HIERARCHY_BRIDGE,
    HIERARCHY_REVIEW,
    MATCH_PAIRS,
    MDM_SCHEMA,
    SOURCE_RECORDS,
    STEWARD_AUDIT,
    append_audit,
    match_records,
    override_outcomes,
    publish_crosswalk,
    publish_hierarchy,
)
from seg_assets.lib.mdm.settings import MdmSettings
from seg_assets.lib.model_runner import month_starts
from seg_assets.lib.raw_loading import RAW_SCHEMA
from seg_assets.lib.segmentation.monthly import segment_month
from seg_assets.lib.segmentation.registry import SCHEMA as SEGMENTATION_SCHEMA
from seg_assets.lib.segmentation.registry import TABLES as SEGMENTATION_TABLES
from seg_assets.lib.segmentation.settings import SegmentationSettings
from seg_assets.lib.source_contracts import SourceContract
from seg_assets.lib.sql_models import QUARANTINE_RULE_COLUMN, SqlModel
from seg_assets.lib.warehouse import ensure_schema, qualified_table, replace_tables

# The run ID the steward audit records for bare runs, which have no orchestrator run.
BARE_RUN_ID = "bare_duckdb"


@dataclass(frozen=True)
class WarehouseStep:
    """One step of a bare run: the tables it writes, the tables it reads and how it runs.

    ``name`` identifies the step; ``run`` takes the warehouse connection.
    """

    name: str
    writes: tuple[str, ...]
    reads: tuple[str, ...]
    run: Callable[[duckdb.DuckDBPyConnection], object]


def load_source(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path
) -> None:
    """``raw.<source>`` straight from the file, values cast to their declared types."""
    landing = open_landing_file(con, contract, landing_dir)
    typed = ", ".join(f"try_cast({c} as {t}) as {c}" for c, t in contract.columns)
    ensure_schema(con, RAW_SCHEMA)
    con.execute(
        f"create or replace table {qualified_table(RAW_SCHEMA, contract.name)} as"
        f" select {typed}, $source_name as _source_file, {landing.row_number_sql} as _source_row"
        f" from {landing.rows_sql()}",
        {**landing.parameters(), "source_name": contract.landing_name},
    )


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel, start: date, end: date) -> None:
    """``model``'s table from its SQL; kept rows only where the model routes to quarantine."""
    parameters = {"month_start": start, "month_end": end} if model.partition_column else {}
    ensure_schema(con, model.schema)
    kept = f" where {QUARANTINE_RULE_COLUMN} is null" if model.routes_to_quarantine else ""
    exclude = f" exclude ({QUARANTINE_RULE_COLUMN})" if model.routes_to_quarantine else ""
    con.execute(
        f"create or replace table {model.table} as select *{exclude} from (\n{model.sql}\n){kept}",
        parameters,
    )


def source_step(contract: SourceContract, landing_dir: Path) -> WarehouseStep:
    """The step loading ``raw.<source>`` from ``landing_dir``."""
    table = f"{RAW_SCHEMA}.{contract.name}"
    return WarehouseStep(
        table, (table,), (), partial(load_source, contract=contract, landing_dir=landing_dir)
    )


def model_step(model: SqlModel, start: date, end: date) -> WarehouseStep:
    """The step building ``model`` over the half-open window ``[start, end)``."""
    return WarehouseStep(
        model.table,
        (model.table,),
        tuple(f"{schema}.{name}" for schema, name in model.upstream),
        partial(build_model, model=model, start=start, end=end),
    )


def settings_steps(tables: Sequence[SettingsTable]) -> tuple[WarehouseStep, ...]:
    """The steps publishing each section of the marts' settings as ``settings.<section>``."""
    return tuple(
        WarehouseStep(
            f"{SETTINGS_SCHEMA}.{table.name}",
            (f"{SETTINGS_SCHEMA}.{table.name}",),
            (),
            partial(replace_tables, schema=SETTINGS_SCHEMA, frames={table.name: table.rows}),
        )
        for table in tables
    )


def _mdm(*tables: str) -> tuple[str, ...]:
    return tuple(f"{MDM_SCHEMA}.{table}" for table in tables)


def _record_steward_audit(
    con: duckdb.DuckDBPyConnection,
    overrides: tuple[StewardOverride, ...],
    settings: MdmSettings,
) -> None:
    append_audit(con, overrides, override_outcomes(con, overrides, settings), BARE_RUN_ID)


def master_data_steps(
    settings: MdmSettings,
    duckdb_config: dict[str, Any],
    overrides: tuple[StewardOverride, ...],
) -> tuple[WarehouseStep, ...]:
    """The master-data steps written in Python, with the tables each reads and writes.

    They call the functions of ``seg_assets.lib.mdm.resolution`` that the Dagster assets of
    the ``mdm`` group call, so a bare run does the same matching, clustering and hierarchy work.

    Parameters
    ----------
    settings
        Master-data settings (``load_mdm_settings()``).
    duckdb_config
        Settings for the matcher's own in-memory DuckDB.
    overrides
        Steward overrides to apply.
    """
    return (
        WarehouseStep(
            "match_records",
            _mdm(MATCH_PAIRS),
            _mdm(SOURCE_RECORDS),
            partial(match_records, settings=settings, duckdb_config=duckdb_config),
        ),
        WarehouseStep(
            "publish_crosswalk",
            _mdm(CROSSWALK),
            _mdm(SOURCE_RECORDS, MATCH_PAIRS),
            partial(publish_crosswalk, overrides=overrides, settings=settings),
        ),
        WarehouseStep(
            "publish_hierarchy",
            _mdm(HIERARCHY, HIERARCHY_BRIDGE, HIERARCHY_REVIEW),
            _mdm(SOURCE_RECORDS, CROSSWALK),
            partial(publish_hierarchy, overrides=overrides, settings=settings),
        ),
        WarehouseStep(
            "record_steward_audit",
            _mdm(STEWARD_AUDIT),
            _mdm(SOURCE_RECORDS, MATCH_PAIRS, CROSSWALK, HIERARCHY),
            partial(_record_steward_audit, overrides=overrides, settings=settings),
        ),
    )


def _segment_months(
    con: duckdb.DuckDBPyConnection, settings: SegmentationSettings, start: date, end: date
) -> None:
    for month in month_starts(start, end):
        segment_month(con, month, settings, BARE_RUN_ID)


def segmentation_step(settings: SegmentationSettings, start: date, end: date) -> WarehouseStep:
    """The segmentation of every month in ``[start, end)``, as the Dagster step runs it."""
    return WarehouseStep(
        "segment_customers",
        tuple(f"{SEGMENTATION_SCHEMA}.{table}" for table in SEGMENTATION_TABLES),
        ("marts.fct_customer_features", f"{MDM_SCHEMA}.{CROSSWALK}"),
        partial(_segment_months, settings=settings, start=start, end=end),
    )


def _producers(steps: Sequence[WarehouseStep]) -> dict[str, WarehouseStep]:
    """Each table and the step that writes it, failing on a table nothing or two steps write."""
    producer: dict[str, WarehouseStep] = {}
    for step in steps:
        for table in step.writes:
            if table in producer:
                raise ModelDefinitionError(
                    f"{table} is written by both {producer[table].name} and {step.name}"
                )
            producer[table] = step
    for step in steps:
        unknown = [table for table in step.reads if table not in producer]
        if unknown:
            raise ModelDefinitionError(
                f"{step.name} reads {', '.join(unknown)} which no step writes:"
                " check the table names in its SQL"
            )
    return producer


def run_order(
    steps: Sequence[WarehouseStep], targets: Collection[str] | None = None
) -> list[WarehouseStep]:
    """The steps that build ``targets``, each after the steps whose tables it reads.

    Parameters
    ----------
    steps
        Every step available, in any order; step names are unique.
    targets
        Tables to build (``schema.table``); every step's tables when omitted.

    Raises
    ------
    ModelDefinitionError
        A step reads, or a target is, a table no step writes; or two steps write one table.
    """
    producer = _producers(steps)
    wanted = list(producer if targets is None else targets)
    unknown = [table for table in wanted if table not in producer]
    if unknown:
        raise ModelDefinitionError(f"no step writes {', '.join(unknown)}")
    needed: dict[str, WarehouseStep] = {}
    while wanted:
        step = producer[wanted.pop()]
        if step.name not in needed:
            needed[step.name] = step
            wanted.extend(step.reads)
    graph = TopologicalSorter(
        {
            step.name: [producer[table].name for table in step.reads]
            for step in steps
            if step.name in needed
        }
    )
    return [needed[name] for name in graph.static_order()]
