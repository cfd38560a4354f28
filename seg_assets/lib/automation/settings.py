"""Automation settings from ``config/automation.yaml``, a typed schema validated on load.

Names in the file are resolved against the rest of the project: landing sources and their
columns against ``config/sources.yaml``, categorical drift inputs against the feature mart,
service tiers against ``config/marts.yaml`` and freshness groups against the asset groups.
"""

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    Identifier,
    InvalidEntry,
    Items,
    NonNegative,
    NonNegativeInt,
    PositiveInt,
    Probability,
    UniqueItems,
    load_config,
    suggestion,
)
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.mart_settings import read_mart_settings
from seg_assets.lib.model_guard.decision import GuardLimits
from seg_assets.lib.model_guard.freeze import FreezeWindow
from seg_assets.lib.model_guard.impact import ServiceLevels
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.segmentation.settings import FEATURE_MART, feature_mart_columns
from seg_assets.lib.source_contracts import load_source_contracts

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
# Metrics that never exceed 1 (distances in 0..1, shares, a relative fall): a level above 1
# could never be reached. PSI and the relative change of a segment's share are unbounded.
METRICS_AT_MOST_ONE = frozenset(
    {"ks", "js", "drifted_feature_share", "switched_share", "confidence_drop", "new_customer_share"}
)
# Column types a landing file's month can be read from.
DATED_TYPES = ("DATE", "TIMESTAMP")
_DEFS_DIR = Path(__file__).resolve().parents[2] / "defs"


class AutomationConfigError(ConfigFileError):
    """``config/automation.yaml`` is malformed."""


def _known(info: ValidationInfo, fact: str) -> Any:
    """A fact about the project the loader passed as context (None: not checked)."""
    return (info.context or {}).get(fact)


# --- schedule and sensors --------------------------------------------------------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Each field of a cron expression: its name, range and the names it takes for numbers.
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTH_NAMES),
    ("day of week", 0, 7, _DAY_NAMES),
)
_CRON_PART = re.compile(r"^(?:\*|(\w+)(?:-(\w+))?)(?:/(\d+))?$")


def _cron_value(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if text.lower() in names:
        return names.index(text.lower()) + low
    return int(text) if text.isdigit() else None


def _cron(value: str) -> str:
    """Five fields (minute hour day-of-month month day-of-week), each in its range."""
    fields = value.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(
            f"{value!r} is not a cron expression of five fields "
            "(minute hour day-of-month month day-of-week)"
        )
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.split(","):
            match = _CRON_PART.match(part)
            if match is None:
                raise ValueError(f"{name} {part!r} of {value!r} is not a cron field")
            for bound in match.group(1, 2):
                number = None if bound is None else _cron_value(bound, low, names)
                if bound is not None and (number is None or not low <= number <= high):
                    raise ValueError(f"{name} {bound!r} of {value!r} is outside {low}-{high}")
            if match.group(3) is not None and int(match.group(3)) == 0:
                raise ValueError(f"{name} {part!r} of {value!r} steps by 0")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a time zone of the IANA database (e.g. UTC, Europe/Berlin)"
        ) from None
    return value


class Schedule(ConfigModel):
    """When the monthly refresh runs."""

    cron: Annotated[str, AfterValidator(_cron)]
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"


class Sensors(ConfigModel):
    """How often the sensors look, and whether the drift sensor launches anything."""

    landing_interval_seconds: PositiveInt = 60
    landing_settle_seconds: NonNegativeInt = 30
    drift_interval_seconds: PositiveInt = 60
    stale_keys_interval_seconds: PositiveInt = 300
    drift_dry_run: bool = False


# --- landing ---------------------------------------------------------------------------------


def _source_problem(source: str, info: ValidationInfo) -> str | None:
    """Why ``source`` is not a landing source of config/sources.yaml, or None."""
    sources = _known(info, "sources")
    if sources is None or source in sources:
        return None
    return (
        f"{source!r} is not a source of config/sources.yaml; {suggestion(source, sorted(sources))}"
    )


def _column_problem(source: str, column: str, info: ValidationInfo) -> str | None:
    """Why ``column`` is not a column of ``source``'s contract, or None."""
    sources = _known(info, "sources")
    if sources is None or source not in sources or column in sources[source]:
        return None
    return (
        f"{column!r} is not a column of {source} in config/sources.yaml; "
        f"{suggestion(column, list(sources[source]))}"
    )


def _landing_source(value: str, info: ValidationInfo) -> str:
    problem = _source_problem(value, info)
    if problem:
        raise ValueError(problem)
    return value


LandingSource = Annotated[Identifier, AfterValidator(_landing_source)]


class ParentLink(ConfigModel):
    """A landing file whose rows take their month from a parent file joined on ``key``."""

    parent: Identifier
    key: Identifier


class LandingMonths(ConfigModel):
    """How the landing sensor finds the months a changed file touches."""

    months_by_date: dict[str, Identifier] = Field(default_factory=dict)
    months_via_parent: dict[str, ParentLink] = Field(default_factory=dict)
    months_also_via: dict[str, ParentLink] = Field(default_factory=dict)
    all_months: UniqueItems[LandingSource] = ()

    @field_validator("months_by_date")
    @classmethod
    def _dated_sources(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        sources = _known(info, "sources")
        for source, column in value.items():
            problem = _source_problem(source, info) or _column_problem(source, column, info)
            if problem:
                raise InvalidEntry(source, problem)
            column_type = None if sources is None else sources[source][column]
            if column_type is not None and not column_type.upper().startswith(DATED_TYPES):
                raise InvalidEntry(
                    source,
                    f"{column} is {column_type} in config/sources.yaml: name a DATE or "
                    "TIMESTAMP column the month is read from",
                )
        return value

    @field_validator("months_via_parent")
    @classmethod
    def _linked_sources(
        cls, value: dict[str, ParentLink], info: ValidationInfo
    ) -> dict[str, ParentLink]:
        dated = info.data.get("months_by_date")
        for source, link in value.items():
            problem = _source_problem(source, info)
            if problem:
                raise InvalidEntry(source, problem)
            if dated is not None and source in dated:
                raise InvalidEntry(
                    source, "also listed under landing.months_by_date: list a source once"
                )
            if dated is not None and link.parent not in dated:
                raise InvalidEntry(
                    f"{source}.parent",
                    f"{link.parent!r} must be listed under landing.months_by_date (the month "
                    f"comes from its date); {suggestion(link.parent, list(dated))}",
                )
            for owner in (source, link.parent):
                problem = _column_problem(owner, link.key, info)
                if problem:
                    raise InvalidEntry(f"{source}.key", problem)
        return value

    @field_validator("months_also_via")
    @classmethod
    def _sources_also_linked(
        cls, value: dict[str, ParentLink], info: ValidationInfo
    ) -> dict[str, ParentLink]:
        by_date, via_parent = info.data.get("months_by_date"), info.data.get("months_via_parent")
        dated = None if by_date is None or via_parent is None else {**by_date, **via_parent}
        parents: dict[str, list[str]] = {}
        for links in (via_parent or {}, value):
            for source, link in links.items():
                parents.setdefault(source, []).append(link.parent)
        for source, link in value.items():
            problem = _source_problem(source, info)
            if problem:
                raise InvalidEntry(source, problem)
            for owner, where in ((source, source), (link.parent, f"{source}.parent")):
                if dated is not None and owner not in dated:
                    raise InvalidEntry(
                        where,
                        f"{owner!r} must be listed under landing.months_by_date or"
                        f" landing.months_via_parent (these months come on top of its own);"
                        f" {suggestion(owner, list(dated))}",
                    )
            for owner in (source, link.parent):
                problem = _column_problem(owner, link.key, info)
                if problem:
                    raise InvalidEntry(f"{source}.key", problem)
            # The months of a row come from its parents' rows: a parent that takes its months
            # back from this source would never end.
            reached, pending = set(), [link.parent]
            while pending:
                parent = pending.pop()
                if parent == source:
                    raise InvalidEntry(
                        f"{source}.parent", f"{link.parent!r} takes its months from {source}"
                    )
                if parent not in reached:
                    reached.add(parent)
                    pending += parents.get(parent, [])
        return value

    @field_validator("all_months")
    @classmethod
    def _sources_reaching_every_month(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        dated = {**info.data.get("months_by_date", {}), **info.data.get("months_via_parent", {})}
        both = [source for source in value if source in dated]
        if both:
            raise ValueError(
                f"{', '.join(both)} also dated under months_by_date or months_via_parent: "
                "list a source once"
            )
        return value

    @property
    def by_date(self) -> dict[str, str]:
        """Date column of each source whose rows carry their own date."""
        return self.months_by_date

    @property
    def via_parent(self) -> dict[str, ParentLink]:
        """Parent file and join key of each source dated through a parent."""
        return self.months_via_parent

    @property
    def also_via(self) -> dict[str, ParentLink]:
        """Parent file and join key of each dated source whose rows also touch the months of the
        parent rows they serve (a shipment: its order's month)."""
        return self.months_also_via


# --- drift -----------------------------------------------------------------------------------


class Threshold(ConfigModel):
    """Watch and act levels of one drift metric (a value at or beyond the level reaches it)."""

    watch: NonNegative
    act: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.watch > self.act:
            raise InvalidEntry("watch", f"watch {self.watch} is above act {self.act}")
        return self


def _feature_column(value: str, info: ValidationInfo) -> str:
    columns = _known(info, "feature_columns")
    if columns is not None and value not in columns:
        raise ValueError(
            f"{value!r} is not a column of {'.'.join(FEATURE_MART)}; {suggestion(value, columns)}"
        )
    return value


FeatureColumn = Annotated[Identifier, AfterValidator(_feature_column)]


class DriftSettings(ConfigModel):
    """Binning of the population stability index, thresholds, categorical inputs."""

    bins: int = Field(default=10, ge=2)
    psi_floor: Probability = 1e-4
    thresholds: dict[str, Threshold]
    categorical_features: UniqueItems[FeatureColumn] = ()

    @field_validator("thresholds")
    @classmethod
    def _every_metric(cls, value: dict[str, Threshold]) -> dict[str, Threshold]:
        for metric in value:
            if metric not in DRIFT_METRICS:
                raise InvalidEntry(
                    metric, f"unknown drift metric; {suggestion(metric, list(DRIFT_METRICS))}"
                )
        missing = [metric for metric in DRIFT_METRICS if metric not in value]
        if missing:
            raise ValueError(f"missing metric(s) {', '.join(missing)}: set watch and act for each")
        for metric in sorted(METRICS_AT_MOST_ONE):
            for level in ("watch", "act"):
                if getattr(value[metric], level) > 1:
                    raise InvalidEntry(
                        f"{metric}.{level}",
                        f"{getattr(value[metric], level)} can never be reached: {metric} is "
                        "at most 1",
                    )
        return {metric: value[metric] for metric in DRIFT_METRICS}


# --- guard and freshness ---------------------------------------------------------------------


class GuardSettings(GuardLimits):
    """When a retrained model may replace the serving one without approval: the limits, the
    service level of each segment and tier, and the change freezes."""

    service_levels: ServiceLevels = ServiceLevels()
    freeze_windows: Items[FreezeWindow] = ()

    @model_validator(mode="after")
    def _known_tiers(self, info: ValidationInfo) -> Self:
        tiers = _known(info, "tiers")
        for tier in self.service_levels.tiers:
            if tiers is not None and tier not in tiers:
                raise InvalidEntry(
                    f"service_levels.tiers.{tier}",
                    f"{tier!r} is not a tier of config/marts.yaml customer_tiers; "
                    f"{suggestion(tier, tiers)}",
                )
        return self

    @property
    def limits(self) -> GuardLimits:
        """Stability and downgrade limits (``model_guard.decision.decide``)."""
        return GuardLimits(
            min_bootstrap_ari=self.min_bootstrap_ari,
            min_holdout_ari=self.min_holdout_ari,
            impact=self.impact,
        )


def _asset_group(value: str, info: ValidationInfo) -> str:
    groups = _known(info, "asset_groups")
    if groups is not None and value not in groups:
        raise ValueError(f"{value!r} is not an asset group; {suggestion(value, groups)}")
    return value


AssetGroup = Annotated[Identifier, AfterValidator(_asset_group)]


class Freshness(ConfigModel):
    """Asset groups held to a freshness policy, and when they are overdue."""

    groups: UniqueItems[AssetGroup] = ()
    warn_after_days: PositiveInt = 32
    fail_after_days: PositiveInt = 40

    @model_validator(mode="after")
    def _warn_before_fail(self) -> Self:
        # Dagster refuses a warning window that is not shorter than the failure window.
        if self.warn_after_days >= self.fail_after_days:
            raise InvalidEntry(
                "warn_after_days",
                f"warn_after_days {self.warn_after_days} must be below fail_after_days "
                f"{self.fail_after_days}",
            )
        return self


class AutomationSettings(ConfigModel):
    """Everything ``config/automation.yaml`` sets, section by section as in the file."""

    schedule: Schedule
    sensors: Sensors = Sensors()
    landing: LandingMonths = LandingMonths()
    drift: DriftSettings
    guard: GuardSettings = GuardSettings()
    freshness: Freshness = Freshness()

    @property
    def cron(self) -> str:
        """Cron expression of the monthly schedule."""
        return self.schedule.cron

    @property
    def timezone(self) -> str:
        """Time zone the cron expression is read in."""
        return self.schedule.timezone

    @property
    def landing_interval_seconds(self) -> int:
        """Seconds between evaluations of the landing sensor."""
        return self.sensors.landing_interval_seconds

    @property
    def landing_settle_seconds(self) -> int:
        """Age below which a landing file may still be being written."""
        return self.sensors.landing_settle_seconds

    @property
    def drift_interval_seconds(self) -> int:
        """Seconds between evaluations of the drift sensor."""
        return self.sensors.drift_interval_seconds

    @property
    def stale_keys_interval_seconds(self) -> int:
        """Seconds between evaluations of the stale-keys sensor."""
        return self.sensors.stale_keys_interval_seconds

    @property
    def drift_dry_run(self) -> bool:
        """Whether the drift sensor only records what it would launch."""
        return self.sensors.drift_dry_run

    @property
    def freshness_groups(self) -> tuple[str, ...]:
        """Asset groups held to the freshness policy."""
        return self.freshness.groups

    @property
    def warn_after_days(self) -> int:
        """Days without a refresh after which the groups warn."""
        return self.freshness.warn_after_days

    @property
    def fail_after_days(self) -> int:
        """Days without a refresh after which the groups fail."""
        return self.freshness.fail_after_days

    def with_sensors(self, **changes: Any) -> Self:
        """These settings with sensor settings changed (validated), e.g. no settle time."""
        sensors = Sensors.model_validate({**self.sensors.model_dump(), **changes})
        return self.model_copy(update={"sensors": sensors})


def default_automation_settings_path() -> Path:
    """``config/automation.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "automation.yaml"


def asset_groups() -> tuple[str, ...]:
    """Names of the asset groups: one per SQL schema folder and one per domain of ``defs/``."""
    folders = [path for path in sql_dir().iterdir() if path.is_dir()]
    folders += [path for path in _DEFS_DIR.iterdir() if (path / "__init__.py").is_file()]
    return tuple(sorted({path.name for path in folders}))


def _source_columns() -> dict[str, dict[str, str]]:
    contracts = load_source_contracts()
    return {name: dict(contract.columns) for name, contract in contracts.items()}


def _tier_names() -> tuple[str, ...]:
    return tuple(rule.tier for rule in read_mart_settings().customer_tiers)


def _unless_malformed(read: Callable[[], Any]) -> Any:
    """What ``read`` returns from another configuration file, None when that file is
    malformed: its own loader reports it, and this file's references to it go unchecked."""
    try:
        return read()
    except SegAssetsError:
        return None


def reference_facts() -> Mapping[str, Any]:
    """What the names in the automation settings are checked against (validation context)."""
    return {
        "sources": _unless_malformed(_source_columns),
        "feature_columns": feature_mart_columns(),
        "asset_groups": asset_groups(),
        "tiers": _unless_malformed(_tier_names),
    }


def load_automation_settings(path: Path | None = None) -> AutomationSettings:
    """Read and validate the automation settings.

    Parameters
    ----------
    path
        The YAML file; ``config/automation.yaml`` by default.
    """
    return load_config(
        path or default_automation_settings_path(),
        AutomationSettings,
        AutomationConfigError,
        context=dict(reference_facts()),
    )
