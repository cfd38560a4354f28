"""KPI alerts: kpi.kpi_alerts from EWMA control limits, one warning check per watched KPI and
the trend charts with their limits."""

from collections.abc import Iterator

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from seg_assets.defs.table_metadata import table_metadata
from seg_assets.lib.charts.kpi_trend import TrendColumns, kpi_trends_png
from seg_assets.lib.charts.png import png_markdown
from seg_assets.lib.kpi.alerts import COLUMN_DESCRIPTIONS, control_chart
from seg_assets.lib.kpi.settings import load_kpi_settings
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import replace_tables

KPI_MONTHS = dg.AssetKey(["kpi", "fct_segment_kpi_months"])
KPI_ALERTS = dg.AssetKey(["kpi", "kpi_alerts"])
TREND_COLUMNS = TrendColumns(lower="lower_limit", upper="upper_limit", alert="is_alert")
ALERT_COLUMNS = ("month", "member_name", "kpi", "value", "expected", "direction")


@dg.asset(key=KPI_ALERTS, deps=[KPI_MONTHS], group_name="kpi", kinds={"python", "duckdb"})
def kpi_alerts(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """kpi.kpi_alerts: months in which a watched KPI of a segment (or of all customers) left
    its EWMA control limits on the side that matters (config/kpi.yaml alerts): the value, what
    the earlier months led to expect, the limits and the direction. The charts show each KPI of
    all customers with its limits."""
    settings = load_kpi_settings().alerts
    with duckdb.get_connection() as con:
        chart = control_chart(con.sql("select * from kpi.fct_segment_kpi_months").pl(), settings)
        alerts = chart.filter(pl.col("is_alert"))
        replace_tables(con, "kpi", {"kpi_alerts": alerts})
        metadata = table_metadata(con, "kpi", "kpi_alerts", column_descriptions=COLUMN_DESCRIPTIONS)
    overall = chart.filter(pl.col("dimension") == "all")
    newest = (
        alerts.filter(pl.col("month") == chart.get_column("month").max())
        if chart.height
        else alerts
    )
    context.log.info(f"{alerts.height} KPI alerts, {newest.height} in the newest month")
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "alerts_newest_month": newest.height,
            "kpi_trends": dg.MetadataValue.md(
                png_markdown(
                    kpi_trends_png(overall, "kpi", TREND_COLUMNS, title="All customers"),
                    "KPI trends with control limits",
                )
            ),
            "newest_alerts": dg.MetadataValue.md(
                markdown_table(ALERT_COLUMNS, newest.select(ALERT_COLUMNS).rows())
                if newest.height
                else "none"
            ),
        }
    )


def _check_name(kpi: str) -> str:
    return f"{kpi}_in_control"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            _check_name(kpi),
            asset=KPI_ALERTS,
            blocking=False,
            description=f"Warns when {kpi} of a segment or of all customers left its control"
            f" limits ({side}) in the newest month.",
        )
        for kpi, side in load_kpi_settings().alerts.kpis.items()
    ]
)
def kpis_in_control(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> Iterator[dg.AssetCheckResult]:
    """One non-blocking result per watched KPI: the newest month's alerts, if any."""
    with duckdb.get_connection() as con:
        newest = con.sql(
            "select kpi, member_name, value, expected, lower_limit, upper_limit, direction"
            " from kpi.kpi_alerts"
            " where month = (select max(month) from kpi.fct_segment_kpi_months)"
            " order by kpi, member_name"
        ).pl()
    for kpi in load_kpi_settings().alerts.kpis:
        flagged = newest.filter(pl.col("kpi") == kpi).drop("kpi")
        listed = markdown_table(flagged.columns, flagged.rows()) if flagged.height else "none"
        yield dg.AssetCheckResult(
            check_name=_check_name(kpi),
            asset_key=KPI_ALERTS,
            passed=flagged.is_empty(),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "members_alerting": flagged.height,
                "alerts": dg.MetadataValue.md(listed),
            },
        )


defs = dg.Definitions(assets=[kpi_alerts], asset_checks=[kpis_in_control])
