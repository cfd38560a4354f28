"""KPI settings from ``config/kpi.yaml``, validated when they are read."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from seg_assets.lib.config_reader import ConfigReader
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.kpi.differentials import BootstrapSettings
from seg_assets.lib.project import config_dir

AlertSide = Literal["below", "above", "both"]
ALERT_SIDES: tuple[str, ...] = ("below", "above", "both")
# Dimensions of kpi.fct_segment_kpi_months, and the KPI columns an alert may watch.
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


class KpiConfigError(SegAssetsError):
    """``config/kpi.yaml`` is malformed."""


@dataclass(frozen=True)
class AlertSettings:
    """EWMA control limits and the series they watch."""

    smoothing: float
    sigmas: float
    min_history_months: int
    dimensions: tuple[str, ...]
    kpis: dict[str, AlertSide]


@dataclass(frozen=True)
class KpiSettings:
    """Everything ``config/kpi.yaml`` sets."""

    alerts: AlertSettings
    differentials: BootstrapSettings


def _alerts(reader: ConfigReader, section: dict[str, Any]) -> AlertSettings:
    reader.only_keys(
        section, "alerts", ("smoothing", "sigmas", "min_history_months", "dimensions", "kpis")
    )
    smoothing = reader.key(section, "alerts", "smoothing", None, reader.probability)
    sigmas = reader.key(section, "alerts", "sigmas", None, reader.number)
    if sigmas <= 0:
        raise reader.fail("alerts.sigmas", f"{sigmas!r} must be above 0")
    history = reader.key(section, "alerts", "min_history_months", None, reader.positive_int)
    if history < 2:
        raise reader.fail("alerts.min_history_months", "needs at least 2 (one moving range)")
    dimensions = section.get("dimensions")
    if not isinstance(dimensions, list) or not dimensions:
        raise reader.fail("alerts.dimensions", f"expected a list of {', '.join(DIMENSIONS)}")
    kpis = reader.mapping(section.get("kpis"), "alerts.kpis")
    if not kpis:
        raise reader.fail("alerts.kpis", "name at least one KPI to watch")
    return AlertSettings(
        smoothing=smoothing,
        sigmas=sigmas,
        min_history_months=history,
        dimensions=tuple(
            reader.choice(dimension, DIMENSIONS, f"alerts.dimensions[{index}]")
            for index, dimension in enumerate(dimensions)
        ),
        kpis={
            reader.choice(kpi, KPI_COLUMNS, "alerts.kpis"): reader.choice(
                side, ALERT_SIDES, f"alerts.kpis.{kpi}"
            )
            for kpi, side in kpis.items()
        },
    )


def _differentials(reader: ConfigReader, section: dict[str, Any]) -> BootstrapSettings:
    where = "differentials"
    reader.only_keys(section, where, ("bootstrap_resamples", "confidence", "seed"))
    return BootstrapSettings(
        resamples=reader.key(section, where, "bootstrap_resamples", None, reader.positive_int),
        confidence=reader.key(section, where, "confidence", None, reader.probability),
        seed=reader.key(section, where, "seed", None, reader.positive_int),
    )


def load_kpi_settings(path: Path | None = None) -> KpiSettings:
    """Read and validate ``config/kpi.yaml`` (or ``path``); errors name the file and key."""
    reader = ConfigReader(path or config_dir() / "kpi.yaml", KpiConfigError)
    document = reader.document()
    reader.only_keys(document, "", ("alerts", "differentials"))
    return KpiSettings(
        alerts=_alerts(reader, reader.mapping(document.get("alerts"), "alerts")),
        differentials=_differentials(
            reader, reader.mapping(document.get("differentials"), "differentials")
        ),
    )
