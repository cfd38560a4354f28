"""Raw assets: each loads one landing file into ``raw.<source>`` with its declared types."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.resources import LandingFiles
from seg_assets.defs.row_conservation import rows_conserved_result
from seg_assets.defs.table_metadata import table_metadata
from seg_assets.lib.automation.landing_changes import content_sha256
from seg_assets.lib.project import config_dir
from seg_assets.lib.raw_loading import (
    QUARANTINE_SCHEMA,
    RAW_SCHEMA,
    count_landing_rows,
    load_raw_table,
)
from seg_assets.lib.source_contracts import SourceContract, load_source_contracts
from seg_assets.lib.warehouse import row_count

SOURCES_GROUP = "sources"
# Metadata key of the loaded file's SHA-256: the landing sensor's baseline for files it has not
# seen yet, so turning it on over a built warehouse launches nothing.
CONTENT_DIGEST = "content_sha256"


def raw_asset_key(source_name: str) -> dg.AssetKey:
    """Asset key of a raw table, mirroring ``raw.<source>``."""
    return dg.AssetKey([RAW_SCHEMA, source_name])


def _raw_asset(contract: SourceContract) -> dg.AssetsDefinition:
    columns = ", ".join(f"{name} {column_type}" for name, column_type in contract.columns)

    @dg.asset(
        key=raw_asset_key(contract.name),
        group_name=SOURCES_GROUP,
        kinds={"duckdb", contract.format},
        description=(
            f"{contract.description}\n\nLoaded from `<landing>/{contract.system}/"
            f"{contract.entity}.{contract.format}` into `raw.{contract.name}` with declared"
            f" types ({columns}) plus `_source_file` and `_source_row`. Rows whose values do"
            f" not parse go to `quarantine.{contract.name}` with the column and value named."
        ),
        metadata={"source_system": contract.system, "record_key": contract.key},
    )
    def raw_table(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingFiles
    ) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            result = load_raw_table(con, contract, Path(landing.path), context.run_id)
            metadata = table_metadata(con, RAW_SCHEMA, contract.name)
        if result.rows_quarantined:
            context.log.warning(
                f"{contract.name}: {result.rows_quarantined} row(s) of {result.file} did not"
                f" parse; see quarantine.{contract.name}"
            )
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "source_file": dg.MetadataValue.path(str(result.file)),
                CONTENT_DIGEST: content_sha256(result.file),
                "rows_in_file": result.rows_in_file,
                "rows_quarantined": result.rows_quarantined,
                "ignored_columns": ", ".join(result.ignored_columns) or "none",
            }
        )

    return raw_table


def _row_conservation_check(contract: SourceContract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(contract.name),
        name="rows_conserved",
        blocking=True,
        description=(
            "Every data row of the landing file is either in the raw table or in its"
            " quarantine: rows in = rows loaded + rows quarantined."
        ),
    )
    def rows_conserved(duckdb: DuckDBResource, landing: LandingFiles) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            rows_in_file = count_landing_rows(con, contract, Path(landing.path))
            loaded = row_count(con, f"{RAW_SCHEMA}.{contract.name}")
            quarantined = row_count(con, f"{QUARANTINE_SCHEMA}.{contract.name}")
        return rows_conserved_result(rows_in_file, loaded, quarantined)

    return rows_conserved


SOURCE_CONTRACTS = load_source_contracts(config_dir() / "sources.yaml")

defs = dg.Definitions(
    assets=[_raw_asset(contract) for contract in SOURCE_CONTRACTS.values()],
    asset_checks=[_row_conservation_check(contract) for contract in SOURCE_CONTRACTS.values()],
)
