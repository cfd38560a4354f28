"""KPI alerts: every watched series of the KPI mart judged against its EWMA control limits."""

import numpy as np
import polars as pl

from seg_assets.lib.kpi.control_limits import ewma_control_points
from seg_assets.lib.kpi.settings import AlertSettings

SERIES_KEYS = ("dimension", "member_key")
# Catch-all members of kpi.fct_segment_kpi_months change what they hold (every customer before
# the first segmented month, a few excluded ones after): their series are not judged.
CATCH_ALL_MEMBERS = ("unsegmented", "untiered", "unknown")
CONTROL_SCHEMA = {
    "month": pl.Date,
    "dimension": pl.String,
    "member_key": pl.String,
    "member_name": pl.String,
    "kpi": pl.String,
    "value": pl.Float64,
    "expected": pl.Float64,
    "lower_limit": pl.Float64,
    "upper_limit": pl.Float64,
    "direction": pl.String,
    "is_alert": pl.Boolean,
}
COLUMN_DESCRIPTIONS = {
    "month": "Month judged (first day).",
    "dimension": "Dimension of kpi.fct_segment_kpi_months: segment, tier, region or all.",
    "member_key": "Member of the dimension (segment id as text, tier, country or 'all').",
    "member_name": "Name of the member in the month judged.",
    "kpi": "KPI column of kpi.fct_segment_kpi_months.",
    "value": "The KPI's value in the month.",
    "expected": "EWMA of the earlier months' values (config/kpi.yaml alerts.smoothing).",
    "lower_limit": "expected - sigmas x the forecast error's estimated standard deviation.",
    "upper_limit": "expected + sigmas x the forecast error's estimated standard deviation.",
    "direction": "'below' or 'above' when the value is outside the limits, else null.",
    "is_alert": "Outside the limits on the side config/kpi.yaml watches for this KPI.",
}


def control_chart(kpi_months: pl.DataFrame, settings: AlertSettings) -> pl.DataFrame:
    """Every judged month of every watched series, with its limits and whether it alerts.

    Parameters
    ----------
    kpi_months
        Rows of kpi.fct_segment_kpi_months: ``month``, ``dimension``, ``member_key``,
        ``member_name`` and the KPI columns ``settings.kpis`` names.
    settings
        Smoothing, width, minimum history, the dimensions and KPIs watched.

    Returns
    -------
    pl.DataFrame
        ``CONTROL_SCHEMA``, one row per judged month x series x KPI. A month without a value
        (null KPI) is skipped; the series is judged on the months that have one. Catch-all
        members (``CATCH_ALL_MEMBERS``) are not judged.
    """
    watched = kpi_months.filter(
        pl.col("dimension").is_in(settings.dimensions),
        ~pl.col("member_key").is_in(CATCH_ALL_MEMBERS),
    ).sort("month")
    rows = []
    for (dimension, member), series in watched.group_by(SERIES_KEYS, maintain_order=True):
        months = series.get_column("month").to_list()
        names = series.get_column("member_name").to_list()
        for kpi, side in settings.kpis.items():
            values = series.get_column(kpi).cast(pl.Float64).fill_null(np.nan).to_numpy()
            for point in ewma_control_points(
                values, settings.smoothing, settings.sigmas, settings.min_history_months
            ):
                alerts = point.direction is not None and side in ("both", point.direction)
                rows.append(
                    (
                        *(months[point.index], dimension, member, names[point.index], kpi),
                        *(point.value, point.expected, point.lower, point.upper),
                        point.direction,
                        alerts,
                    )
                )
    return pl.DataFrame(rows, schema=CONTROL_SCHEMA, orient="row")
