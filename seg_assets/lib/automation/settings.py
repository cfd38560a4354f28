"""Automation settings from ``config/automation.yaml``, validated when they are read."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seg_assets.lib.config_reader import ConfigReader
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.model_guard.decision import GuardLimits
from seg_assets.lib.model_guard.freeze import FreezeWindow, freeze_windows_from_config
from seg_assets.lib.model_guard.impact import ImpactLimits, ServiceLevels
from seg_assets.lib.project import config_dir

# Every drift metric the thresholds section must set, and whether a lower value is worse.
DRIFT_METRICS: dict[str, bool] = {
    "psi": False,
    "ks": False,
    "js": False,
    "drifted_feature_share": False,
    "segment_share_change": False,
    "switched_share": False,
    "confidence_drop": False,
    "new_customer_share": False,
}


class AutomationConfigError(SegAssetsError):
    """``config/automation.yaml`` is malformed."""


@dataclass(frozen=True)
class Threshold:
    """Watch and act levels of one drift metric (a value at or beyond the level reaches it)."""

    watch: float
    act: float


@dataclass(frozen=True)
class ParentLink:
    """A landing file whose rows take their month from a parent file joined on ``key``."""

    parent: str
    key: str


@dataclass(frozen=True)
class LandingMonths:
    """How the landing sensor finds the months a changed file touches."""

    by_date: dict[str, str]
    via_parent: dict[str, ParentLink]
    all_months: tuple[str, ...]


@dataclass(frozen=True)
class DriftSettings:
    """Binning of the population stability index, thresholds, categorical inputs."""

    bins: int
    psi_floor: float
    thresholds: dict[str, Threshold]
    categorical_features: tuple[str, ...]


@dataclass(frozen=True)
class GuardSettings:
    """When a retrained model may replace the serving one without approval."""

    limits: GuardLimits
    service_levels: ServiceLevels
    freeze_windows: tuple[FreezeWindow, ...]


@dataclass(frozen=True)
class AutomationSettings:
    """Everything ``config/automation.yaml`` sets."""

    cron: str
    timezone: str
    landing_interval_seconds: int
    landing_settle_seconds: int
    drift_interval_seconds: int
    stale_keys_interval_seconds: int
    drift_dry_run: bool
    landing: LandingMonths
    drift: DriftSettings
    guard: GuardSettings
    freshness_groups: tuple[str, ...]
    warn_after_days: int
    fail_after_days: int


def default_automation_settings_path() -> Path:
    """``config/automation.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "automation.yaml"


class _Reader(ConfigReader):
    def __init__(self, path: Path) -> None:
        super().__init__(path, AutomationConfigError)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{value!r} must be a non-empty text")
        return value

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"{value!r} must be true or false")
        return value

    def non_negative_int(self, value: Any, where: str) -> int:
        if value == 0 and not isinstance(value, bool):
            return 0
        return self.positive_int(value, where)

    def cron(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        if len(text.split()) != 5:
            raise self.fail(where, f"{text!r} is not a cron expression of five fields")
        return text

    def identifiers(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of names, got {value!r}")
        return tuple(self.identifier(item, f"{where}[{i}]") for i, item in enumerate(value))

    def threshold(self, value: Any, where: str) -> Threshold:
        entry = self.mapping(value, where)
        threshold = Threshold(
            watch=self.key(entry, where, "watch", None, self.non_negative),
            act=self.key(entry, where, "act", None, self.non_negative),
        )
        if threshold.watch > threshold.act:
            raise self.fail(where, f"watch {threshold.watch} is above act {threshold.act}")
        return threshold

    def landing(self, value: Any) -> LandingMonths:
        entry = self.mapping(value, "landing")
        by_date = self.mapping(entry.get("months_by_date"), "landing.months_by_date")
        via = self.mapping(entry.get("months_via_parent"), "landing.months_via_parent")
        links = {}
        for source, link in via.items():
            where = f"landing.months_via_parent.{source}"
            link = self.mapping(link, where)
            links[self.identifier(source, where)] = ParentLink(
                parent=self.identifier(link.get("parent"), f"{where}.parent"),
                key=self.identifier(link.get("key"), f"{where}.key"),
            )
            if links[source].parent not in by_date:
                raise self.fail(
                    f"{where}.parent",
                    f"{link.get('parent')!r} must be listed under landing.months_by_date",
                )
        return LandingMonths(
            by_date={
                self.identifier(source, "landing.months_by_date"): self.identifier(
                    column, f"landing.months_by_date.{source}"
                )
                for source, column in by_date.items()
            },
            via_parent=links,
            all_months=self.identifiers(entry.get("all_months"), "landing.all_months"),
        )

    def drift(self, value: Any) -> DriftSettings:
        entry = self.mapping(value, "drift")
        thresholds = self.mapping(entry.get("thresholds"), "drift.thresholds")
        unknown = sorted(set(thresholds) - set(DRIFT_METRICS))
        if unknown:
            raise self.fail("drift.thresholds", f"unknown metric(s) {unknown}")
        missing = sorted(set(DRIFT_METRICS) - set(thresholds))
        if missing:
            raise self.fail("drift.thresholds", f"missing metric(s) {missing}")
        bins = self.key(entry, "drift", "bins", 10, self.positive_int)
        if bins < 2:
            raise self.fail("drift.bins", f"{bins} must be at least 2")
        return DriftSettings(
            bins=bins,
            psi_floor=self.key(entry, "drift", "psi_floor", 1e-4, self.probability),
            thresholds={
                metric: self.threshold(thresholds[metric], f"drift.thresholds.{metric}")
                for metric in DRIFT_METRICS
            },
            categorical_features=self.identifiers(
                entry.get("categorical_features"), "drift.categorical_features"
            ),
        )

    def ranks(self, value: Any, where: str) -> dict[str, int]:
        entries = self.mapping(value, where)
        return {
            str(name): self.positive_int(rank, f"{where}.{name}") for name, rank in entries.items()
        }

    def guard(self, value: Any) -> GuardSettings:
        entry = self.mapping(value, "guard")
        impact = self.mapping(entry.get("impact"), "guard.impact")
        levels = self.mapping(entry.get("service_levels"), "guard.service_levels")
        share = self.probability
        return GuardSettings(
            limits=GuardLimits(
                min_bootstrap_ari=self.key(entry, "guard", "min_bootstrap_ari", 0.7, share),
                min_holdout_ari=self.key(entry, "guard", "min_holdout_ari", 0.6, share),
                impact=ImpactLimits(
                    max_customer_share=self.key(
                        impact, "guard.impact", "max_customer_share", 0.05, share
                    ),
                    max_revenue_share=self.key(
                        impact, "guard.impact", "max_revenue_share", 0.05, share
                    ),
                    max_margin_share=self.key(
                        impact, "guard.impact", "max_margin_share", 0.05, share
                    ),
                    max_group_customer_share=self.key(
                        impact, "guard.impact", "max_group_customer_share", 0.25, share
                    ),
                    min_group_customers=self.key(
                        impact, "guard.impact", "min_group_customers", 20, self.positive_int
                    ),
                ),
            ),
            service_levels=ServiceLevels(
                segments=self.ranks(levels.get("segments"), "guard.service_levels.segments"),
                tiers=self.ranks(levels.get("tiers"), "guard.service_levels.tiers"),
                default=self.key(levels, "guard.service_levels", "default", 3, self.positive_int),
            ),
            freeze_windows=freeze_windows_from_config(
                entry.get("freeze_windows"), self, "guard.freeze_windows"
            ),
        )

    def settings(self, document: dict[str, Any]) -> AutomationSettings:
        schedule = self.mapping(document.get("schedule"), "schedule")
        sensors = self.mapping(document.get("sensors"), "sensors")
        freshness = self.mapping(document.get("freshness"), "freshness")
        warn = self.key(freshness, "freshness", "warn_after_days", 32, self.positive_int)
        fail = self.key(freshness, "freshness", "fail_after_days", 40, self.positive_int)
        if warn > fail:
            raise self.fail("freshness", f"warn_after_days {warn} is above fail_after_days {fail}")
        return AutomationSettings(
            cron=self.key(schedule, "schedule", "cron", None, self.cron),
            timezone=self.key(schedule, "schedule", "timezone", "UTC", self.text),
            landing_interval_seconds=self.key(
                sensors, "sensors", "landing_interval_seconds", 60, self.positive_int
            ),
            landing_settle_seconds=self.key(
                sensors, "sensors", "landing_settle_seconds", 30, self.non_negative_int
            ),
            drift_interval_seconds=self.key(
                sensors, "sensors", "drift_interval_seconds", 60, self.positive_int
            ),
            stale_keys_interval_seconds=self.key(
                sensors, "sensors", "stale_keys_interval_seconds", 300, self.positive_int
            ),
            drift_dry_run=self.key(sensors, "sensors", "drift_dry_run", False, self.flag),
            landing=self.landing(document.get("landing")),
            drift=self.drift(document.get("drift")),
            guard=self.guard(document.get("guard")),
            freshness_groups=self.identifiers(freshness.get("groups"), "freshness.groups"),
            warn_after_days=warn,
            fail_after_days=fail,
        )


def load_automation_settings(path: Path | None = None) -> AutomationSettings:
    """Read and validate the automation settings.

    Parameters
    ----------
    path
        The YAML file; ``config/automation.yaml`` by default.
    """
    source = path or default_automation_settings_path()
    reader = _Reader(source)
    return reader.settings(reader.document())
