"""Business rules of the marts from ``config/marts.yaml``: a typed schema validated on load,
each section published as a table ``settings.<section>`` that SQL models read.

A section that maps names to values becomes a one-row table; a section that lists mappings
becomes one row per item. Numbers keep the type they are written with where the schema allows
both (``20000`` stays an integer), so the published tables are the file's values.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Self

import polars as pl
import sqlglot
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from sqlglot import exp

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    InvalidEntry,
    NonEmptyItems,
    PositiveInt,
    Share,
    load_config,
    suggestion,
)
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.sql_models import parse_model

SETTINGS_SCHEMA = "settings"
# The model computing each cost driver's monthly volumes, and the kind of object carrying it.
COST_DRIVER_MODEL = ("intermediate", "int_cost_driver_volumes")


class MartSettingsError(ConfigFileError):
    """``config/marts.yaml`` is malformed."""


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"should be a number (got {value!r})")
    return value


# An int or a float, kept as written: the published column's type follows the file.
Number = Annotated[int | float, BeforeValidator(_number)]
NonNegativeNumber = Annotated[Number, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Label = Annotated[str, Field(min_length=1)]


class Classification(ConfigModel):
    """Demand and value classes of customers (``marts.fct_customer_classes``) and velocity of
    products (``intermediate.int_product_velocity_classified``)."""

    abc_a_cumulative_share: Share
    abc_b_cumulative_share: Share
    xyz_x_max_cv: Positive
    xyz_y_max_cv: Positive
    # The average demand interval is at least 1 month: a cut-off at or below 1 makes every
    # customer intermittent.
    adi_cutoff: Annotated[float, Field(gt=1)]
    cv2_cutoff: Positive
    # At most 9 so the three-digit RFM code stays readable.
    rfm_bins: Annotated[int, Field(ge=2, le=9)]
    window_months: PositiveInt
    velocity_fast_cumulative_share: Share
    velocity_medium_cumulative_share: Share

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for lower, upper, consequence in (
            ("abc_a_cumulative_share", "abc_b_cumulative_share", "class B would be empty"),
            ("xyz_x_max_cv", "xyz_y_max_cv", "class Y would be empty"),
            (
                "velocity_fast_cumulative_share",
                "velocity_medium_cumulative_share",
                "no product would be medium",
            ),
        ):
            if getattr(self, lower) >= getattr(self, upper):
                raise InvalidEntry(
                    lower,
                    f"{lower} {getattr(self, lower)} must be below {upper}"
                    f" {getattr(self, upper)}, else {consequence}",
                )
        return self


@cache
def cost_drivers() -> dict[str, str]:
    """Each cost driver ``intermediate.int_cost_driver_volumes`` computes, with the kind of
    object carrying it (read from its SQL: ``'<driver>' as cost_driver``, ``'<object>' as
    allocated_to``)."""
    schema, name = COST_DRIVER_MODEL
    tree = sqlglot.parse_one(parse_model(sql_dir() / schema / f"{name}.sql").sql, read="duckdb")
    drivers = {}
    for select in tree.find_all(exp.Select):
        literals = {
            column.alias: column.this.this
            for column in select.expressions
            if isinstance(column, exp.Alias)
            and isinstance(column.this, exp.Literal)
            and column.this.is_string
        }
        if "cost_driver" in literals and "allocated_to" in literals:
            drivers[literals["cost_driver"]] = literals["allocated_to"]
    return drivers


class CostPoolDriver(ConfigModel):
    """The driver allocating one finance cost pool, and the object carrying it.

    The validation context may hold ``cost_drivers``: each known driver with its object.
    """

    cost_pool: Label
    cost_driver: Label
    allocated_to: Label

    @field_validator("cost_pool")
    @classmethod
    def _as_staged(cls, value: str) -> str:
        staged = value.strip().lower()
        if value != staged:
            raise ValueError(
                f"{value!r} would never match: staging.stg_finance__cost_pools trims and"
                f" lower-cases cost_pool; write {staged!r}"
            )
        return value

    @field_validator("cost_driver", "allocated_to")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        drivers = (info.context or {}).get("cost_drivers")
        if drivers is None:
            return value
        if info.field_name == "cost_driver":
            choices, what = list(drivers), f"a cost driver of {'.'.join(COST_DRIVER_MODEL)}"
        else:
            choices, what = sorted(set(drivers.values())), "an object carrying a driver"
        if value not in choices:
            raise ValueError(f"{value!r} is not {what}; {suggestion(value, choices)}")
        return value

    @model_validator(mode="after")
    def _carried_by_its_object(self, info: ValidationInfo) -> Self:
        drivers = (info.context or {}).get("cost_drivers")
        carrier = None if drivers is None else drivers[self.cost_driver]
        if carrier is not None and self.allocated_to != carrier:
            raise InvalidEntry(
                "allocated_to",
                f"{self.cost_driver} is counted per {carrier} in"
                f" {'.'.join(COST_DRIVER_MODEL)}: write allocated_to: {carrier}",
            )
        return self


class FreightWeightBand(ConfigModel):
    """A weight band of freight imputation: shipments from ``from_kg`` up to the next band."""

    weight_band: Label
    from_kg: NonNegativeNumber


class FreightImputation(ConfigModel):
    """How missing freight is imputed."""

    min_known_shipments: PositiveInt


class Profitability(ConfigModel):
    """Customer profitability marts."""

    whale_curve_months: PositiveInt


class Features(ConfigModel):
    """The customer feature mart's window and smoothing."""

    window_months: PositiveInt
    # A slope needs at least two months.
    trend_min_months: Annotated[int, Field(ge=2)]
    returns_prior_units: NonNegativeNumber

    @model_validator(mode="after")
    def _trend_fits_the_window(self) -> Self:
        if self.trend_min_months > self.window_months:
            raise InvalidEntry(
                "trend_min_months",
                f"trend_min_months {self.trend_min_months} is above window_months"
                f" {self.window_months}: volume_trend would always be null",
            )
        return self


class CustomerTier(ConfigModel):
    """A tier rule: its conditions (None always holds) and the priority it is tried in."""

    tier: Label
    priority: PositiveInt
    min_net_margin: Number | None = None
    max_cost_to_serve_pct: Positive | None = None

    @property
    def is_catch_all(self) -> bool:
        """Whether every customer fits the rule."""
        return self.min_net_margin is None and self.max_cost_to_serve_pct is None


def _first_repeat(values: Sequence[object]) -> int | None:
    """Index of the first value listed before."""
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            return index
        seen.add(value)
    return None


def _refuse_repeats(items: Sequence[ConfigModel], key: str) -> None:
    values = [getattr(item, key) for item in items]
    index = _first_repeat(values)
    if index is not None:
        raise InvalidEntry(
            f"[{index}].{key}", f"{values[index]!r} is listed more than once; list it once"
        )


class MartSettings(ConfigModel):
    """Everything ``config/marts.yaml`` sets; each section is a table ``settings.<section>``."""

    classification: Classification
    cost_pool_drivers: NonEmptyItems[CostPoolDriver]
    freight_weight_bands: NonEmptyItems[FreightWeightBand]
    freight_imputation: FreightImputation
    profitability: Profitability
    features: Features
    customer_tiers: NonEmptyItems[CustomerTier]

    @field_validator("cost_pool_drivers")
    @classmethod
    def _each_pool_once(cls, drivers: tuple[CostPoolDriver, ...]) -> tuple[CostPoolDriver, ...]:
        _refuse_repeats(drivers, "cost_pool")
        return drivers

    @field_validator("freight_weight_bands")
    @classmethod
    def _bands_by_weight(
        cls, bands: tuple[FreightWeightBand, ...]
    ) -> tuple[FreightWeightBand, ...]:
        _refuse_repeats(bands, "weight_band")
        if bands[0].from_kg != 0:
            raise InvalidEntry(
                f"[{0}].from_kg",
                "the first band must start at 0, else lighter shipments get no band",
            )
        for index in range(1, len(bands)):
            if bands[index].from_kg <= bands[index - 1].from_kg:
                raise InvalidEntry(
                    f"[{index}].from_kg",
                    f"{bands[index].from_kg} is not above the previous band's"
                    f" {bands[index - 1].from_kg}: list bands by increasing from_kg",
                )
        return bands

    @field_validator("customer_tiers")
    @classmethod
    def _tiers_reachable(cls, tiers: tuple[CustomerTier, ...]) -> tuple[CustomerTier, ...]:
        _refuse_repeats(tiers, "tier")
        _refuse_repeats(tiers, "priority")
        catch_all = min(
            (t for t in tiers if t.is_catch_all), key=lambda t: t.priority, default=None
        )
        for index, tier in enumerate(tiers):
            if catch_all is not None and tier.priority > catch_all.priority:
                raise InvalidEntry(
                    f"[{index}].priority",
                    f"{tier.tier} is tried after {catch_all.tier}, which every customer fits:"
                    f" it can never place a customer; give it a priority below"
                    f" {catch_all.priority}",
                )
        return tiers


@dataclass(frozen=True)
class SettingsTable:
    """One section: its table name, rows and a fingerprint of its content."""

    name: str
    rows: pl.DataFrame
    fingerprint: str


def _table(name: str, section: ConfigModel | tuple[ConfigModel, ...]) -> SettingsTable:
    items = section if isinstance(section, tuple) else (section,)
    rows = [item.model_dump() for item in items]
    content = json.dumps(rows, sort_keys=True, default=str)
    return SettingsTable(
        name=name,
        rows=pl.DataFrame(rows, infer_schema_length=None),
        fingerprint=hashlib.sha256(content.encode()).hexdigest()[:16],
    )


def settings_tables(settings: MartSettings) -> dict[str, SettingsTable]:
    """Each section of ``settings`` as the table it is published as, in file order."""
    return {name: _table(name, getattr(settings, name)) for name in type(settings).model_fields}


def default_mart_settings_path() -> Path:
    """``config/marts.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "marts.yaml"


def read_mart_settings(path: Path | None = None) -> MartSettings:
    """Read and validate the marts' settings.

    Parameters
    ----------
    path
        The YAML file; ``config/marts.yaml`` by default.

    Raises
    ------
    MartSettingsError
        Listing every problem of the file with its line and column.
    """
    return load_config(
        path or default_mart_settings_path(),
        MartSettings,
        MartSettingsError,
        context={"cost_drivers": cost_drivers()},
    )


def load_mart_settings(path: Path | None = None) -> dict[str, SettingsTable]:
    """Every section of the marts' settings file, validated, as the table it is published as.

    Parameters
    ----------
    path
        The YAML file; ``config/marts.yaml`` by default.

    Raises
    ------
    MartSettingsError
        Listing every problem of the file with its line and column.
    """
    return settings_tables(read_mart_settings(path))
