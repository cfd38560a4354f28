"""KPI settings from ``config/kpi.yaml``, a typed schema validated on load: the KPIs alerts
watch are resolved against the columns of ``kpi.fct_segment_kpi_months``."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    InvalidEntry,
    NonEmptyUniqueItems,
    Probability,
    load_config,
    suggestion,
)
from seg_assets.lib.kpi.differentials import BootstrapSettings
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.sql_models import parse_model

AlertSide = Literal["below", "above", "both"]
ALERT_SIDES: tuple[str, ...] = ("below", "above", "both")
KPI_MART = ("kpi", "fct_segment_kpi_months")
# Dimensions of kpi.fct_segment_kpi_months, and the KPI columns an alert may watch.
Dimension = Literal["segment", "tier", "region", "all"]
DIMENSIONS: tuple[str, ...] = ("segment", "tier", "region", "all")
KPI_COLUMNS: tuple[str, ...] = (
    "on_time_rate_requested",
    "on_time_rate_promised",
    "in_full_rate",
    "otif_rate_requested",
    "otif_rate_promised",
    "fill_rate_lines",
    "fill_rate_orders",
    "fill_rate_units",
    "damage_free_rate",
    "invoice_accuracy_rate",
    "perfect_order_rate",
    "cycle_time_days_mean",
    "cycle_time_days_p90",
    "cost_to_serve_per_order",
    "cost_to_serve_per_unit",
    "cost_to_serve_pct_revenue",
    "gross_margin_pct",
    "net_margin_pct",
    "returns_rate_units",
    "dso_days",
)


class KpiConfigError(ConfigFileError):
    """``config/kpi.yaml`` is malformed."""


class AlertSettings(ConfigModel):
    """EWMA control limits and the series they watch."""

    smoothing: Probability
    sigmas: float = Field(gt=0)
    # The moving range needs two months; fewer could never set a limit.
    min_history_months: int = Field(ge=2)
    dimensions: NonEmptyUniqueItems[Dimension]
    kpis: dict[str, AlertSide] = Field(min_length=1)

    @field_validator("kpis")
    @classmethod
    def _watchable(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        mart_columns = (info.context or {}).get("kpi_mart_columns")
        for kpi in value:
            if kpi not in KPI_COLUMNS:
                raise InvalidEntry(
                    kpi,
                    f"{kpi!r} is not a KPI of {'.'.join(KPI_MART)} alerts can watch; "
                    f"{suggestion(kpi, KPI_COLUMNS)}",
                )
            if mart_columns is not None and kpi not in mart_columns:
                raise InvalidEntry(
                    kpi, f"{'.'.join(KPI_MART)} has no column {kpi!r} (see its SQL model)"
                )
        return value


class KpiSettings(ConfigModel):
    """Everything ``config/kpi.yaml`` sets."""

    alerts: AlertSettings
    differentials: BootstrapSettings


def default_kpi_settings_path() -> Path:
    """``config/kpi.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "kpi.yaml"


@cache
def kpi_mart_columns() -> tuple[str, ...] | None:
    """Columns of ``kpi.fct_segment_kpi_months``, read from its SQL model."""
    schema, name = KPI_MART
    return parse_model(sql_dir() / schema / f"{name}.sql").output_columns()


def load_kpi_settings(path: Path | None = None) -> KpiSettings:
    """Read and validate the KPI settings.

    Parameters
    ----------
    path
        The YAML file; ``config/kpi.yaml`` by default.
    """
    return load_config(
        path or default_kpi_settings_path(),
        KpiSettings,
        KpiConfigError,
        context={"kpi_mart_columns": kpi_mart_columns()},
    )
