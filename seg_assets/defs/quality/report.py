"""The data-quality report: the latest Great Expectations results of every table, in the UI."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.lib.quality.dq_results import DQ_LATEST, refresh_latest_results

REPORT_KEY = dg.AssetKey(["quality", "dq_report"])


def dq_report_asset(checked: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Report asset downstream of every table that has a suite, so it follows their checks."""

    @dg.asset(
        key=REPORT_KEY,
        deps=checked,
        group_name="quality",
        kinds={"duckdb"},
        description=(
            f"Latest validation of every table with a suite, rebuilt as {DQ_LATEST} (for BI) and"
            " rendered here: rows validated, failed errors and warnings per table, and every"
            " failed expectation with its failing-row count, observed value and sample rows"
            " (source file and row). The full history is quality.dq_results. A run stopped by"
            " a blocking check does not reach this asset: that check's own metadata shows the"
            " failures, and materializing this asset alone renders them here."
        ),
    )
    def dq_report(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            latest = refresh_latest_results(con)
        return dg.MaterializeResult(
            metadata={
                "tables_validated": len(latest.summary),
                "errors_failed": sum(row[4] for row in latest.summary),
                "warnings_failed": sum(row[5] for row in latest.summary),
                "report": dg.MetadataValue.md(latest.as_markdown()),
            }
        )

    return dq_report
