"""Settings of the synthetic source generator from ``config/generator.yaml``: scale, behaviour
mix, master-data quality, faults and drift, a typed schema validated on load."""

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    ConfigProblem,
    InvalidEntry,
    NonEmptyItems,
    NonNegativeInt,
    PositiveInt,
    Share,
    load_config,
    problems_of,
    suggestion,
)
from seg_assets.lib.generator.archetypes import ARCHETYPE_NAMES
from seg_assets.lib.project import config_dir


class GeneratorConfigError(ConfigFileError):
    """The generator settings (``config/generator.yaml`` or overrides) are invalid."""


def _date_from_text(value: Any) -> Any:
    """A date written as text (quoted in YAML, or given as an override)."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value} has a time of day; write the date only, YYYY-MM-01")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date YYYY-MM-01") from None
    return value


def _first_day(value: dt.date) -> dt.date:
    if value.day != 1:
        raise ValueError(f"{value} is not the first day of a month")
    return value


Month = Annotated[dt.date, BeforeValidator(_date_from_text), AfterValidator(_first_day)]
"""The first day of a month."""


def _archetype(value: str) -> str:
    if value not in ARCHETYPE_NAMES:
        raise ValueError(f"{value!r} is not an archetype; {suggestion(value, ARCHETYPE_NAMES)}")
    return value


ArchetypeName = Annotated[str, AfterValidator(_archetype)]
ArchetypeShare = Annotated[float, Field(ge=0, le=1)]
"""A share of customers; 0 leaves an archetype out."""
FaultRate = Annotated[float, Field(ge=0, le=0.1)]
"""A share of a file's records, at most a tenth: more would drown the clean data."""
DuplicateShare = Annotated[float, Field(ge=0, le=0.5)]
"""A share of customers with a second record in a system."""


def _one_or_more(value: Any) -> Any:
    """One archetype name, or a list of them."""
    return (value,) if isinstance(value, str) else value


class ArchetypeShares(ConfigModel):
    """Share of customers per behavioural archetype (``archetypes.py`` holds the behaviour);
    every archetype is named and the shares sum to 1."""

    large_steady: ArchetypeShare = 0.10
    small_frequent: ArchetypeShare = 0.25
    project_lumpy: ArchetypeShare = 0.15
    high_returns: ArchetypeShare = 0.10
    long_tail_occasional: ArchetypeShare = 0.40

    @model_validator(mode="after")
    def _a_whole(self) -> Self:
        missing = [name for name in type(self).model_fields if name not in self.model_fields_set]
        if self.model_fields_set and missing:
            raise ValueError(f"name every archetype: {', '.join(missing)} missing")
        total = sum(self.model_dump().values())
        if not 0.99 <= total <= 1.01:
            raise ValueError(f"the shares sum to {total:g}; they must sum to 1")
        return self


class ArchetypeSwitch(ConfigModel):
    """From the drift month on, a share of the customers of some archetypes behave as another.

    Attributes
    ----------
    share
        Share of the customers of ``from_archetypes`` that switch; exactly
        ``round(share * n)`` of them, ``n`` counting the customers of those archetypes.
    from_archetypes
        Archetypes whose customers may switch (YAML key ``from``: a name or a list).
    to_archetype
        Archetype whose behaviour the switched customers take on (YAML key ``to``).
    """

    share: Share = 0.3
    from_archetypes: Annotated[NonEmptyItems[ArchetypeName], BeforeValidator(_one_or_more)] = Field(
        default=("long_tail_occasional",), alias="from"
    )
    to_archetype: ArchetypeName = Field(default="large_steady", alias="to")

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        names = self.from_archetypes
        if len(set(names)) < len(names):
            raise InvalidEntry("from", "an archetype is listed twice")
        if self.to_archetype in names:
            raise InvalidEntry(
                "to", f"{self.to_archetype} is also in from: customers would not change"
            )
        return self

    def as_dict(self) -> dict[str, Any]:
        """The switch in the YAML layout (keys ``share``, ``from``, ``to``)."""
        return {"share": self.share, "from": list(self.from_archetypes), "to": self.to_archetype}


class MarketShift(ConfigModel):
    """From the drift month on, every customer's units per order line change by a factor.

    Attributes
    ----------
    units_per_line_factor
        Multiplies the units of every order line (before rounding to whole units).
    """

    units_per_line_factor: Annotated[float, Field(ge=0.1, le=10)] = 0.8

    @model_validator(mode="after")
    def _a_change(self) -> Self:
        if self.units_per_line_factor == 1:
            raise InvalidEntry(
                "units_per_line_factor", "1 changes nothing; set market_shift: null for no shift"
            )
        return self

    def as_dict(self) -> dict[str, Any]:
        """The shift in the YAML layout."""
        return {"units_per_line_factor": self.units_per_line_factor}


class DriftSettings(ConfigModel):
    """Planted drift: behaviour that changes from one month of the window on.

    Attributes
    ----------
    from_month
        First day of the first month in which the drift applies; inside the window.
    archetype_switch
        Customers that start to behave as another archetype, or ``None``.
    market_shift
        A change in every customer's order-line size, or ``None``.
    """

    from_month: Month
    archetype_switch: ArchetypeSwitch | None = None
    market_shift: MarketShift | None = None

    @model_validator(mode="after")
    def _something_drifts(self) -> Self:
        if self.archetype_switch is None and self.market_shift is None:
            raise ValueError("set archetype_switch or market_shift (drift: null plants no drift)")
        return self

    def as_dict(self) -> dict[str, Any]:
        """The drift in the YAML layout (for the manifest)."""
        switch, shift = self.archetype_switch, self.market_shift
        return {
            "from_month": self.from_month.isoformat(),
            "archetype_switch": None if switch is None else switch.as_dict(),
            "market_shift": None if shift is None else shift.as_dict(),
        }


class FaultRates(ConfigModel):
    """Share of records of the affected file that carry each planted fault, at most 0.1.

    Each fault is planted on exactly ``round(rate * n)`` records, where ``n`` is the number of
    clean records of its file: orders, order lines before duplicates are inserted, shipments.
    """

    missing_freight_cost: FaultRate = 0.03
    unknown_customer_id: FaultRate = 0.003
    duplicate_order_line: FaultRate = 0.002
    nonpositive_quantity: FaultRate = 0.002
    delivery_before_ship: FaultRate = 0.005
    requested_before_order: FaultRate = 0.002
    inconsistent_customer_id_format: FaultRate = 0.02
    unparseable_promised_date: FaultRate = 0.001
    missing_order_date: FaultRate = 0.001

    def as_dict(self) -> dict[str, float]:
        """Rates by fault name, in declaration order."""
        return self.model_dump()


class Scale(ConfigModel):
    """How much is generated: customers, the order window and the order lines in it.

    Attributes
    ----------
    customers
        Number of real (deduplicated) customers.
    months
        Length of the order window in months, starting at ``start_month``.
    start_month
        First day of the first month of the window.
    order_lines
        Target number of clean order lines; the actual count lands within about 2 %.
    """

    customers: Annotated[int, Field(ge=50)] = 5_000
    months: Annotated[int, Field(ge=1, le=240)] = 25
    start_month: Month = dt.date(2024, 11, 1)
    order_lines: PositiveInt = 500_000

    @model_validator(mode="after")
    def _lines_per_month(self) -> Self:
        if self.order_lines < 10 * self.months:
            raise InvalidEntry(
                "order_lines",
                f"{self.order_lines} over {self.months} months is below 10 a month;"
                f" set at least {10 * self.months}",
            )
        return self


class MasterData(ConfigModel):
    """Master-data quality: duplicates, hierarchy and cross-references between systems.

    Attributes
    ----------
    erp_duplicate_share, crm_duplicate_share, finance_duplicate_share
        Share of real customers with a second record in that system (at most 0.5).
    subsidiary_share
        Share of customers that belong to a parent customer (at most 0.6).
    recorded_parent_share
        Share of true parent links that the ERP records in ``parent_customer_id``.
    crm_erp_ref_share
        Share of CRM accounts whose ``erp_customer_ref`` is filled.
    """

    erp_duplicate_share: DuplicateShare = 0.02
    crm_duplicate_share: DuplicateShare = 0.05
    finance_duplicate_share: DuplicateShare = 0.03
    subsidiary_share: Annotated[float, Field(ge=0, le=0.6)] = 0.15
    recorded_parent_share: Annotated[float, Field(ge=0, le=1)] = 0.60
    crm_erp_ref_share: Annotated[float, Field(ge=0, le=1)] = 0.30


def _empty_is_default(value: Any) -> Any:
    """A section left empty (every entry commented out) takes its defaults."""
    return {} if value is None else value


# Named as the origin of errors in settings changed in code (``replace``).
REPLACED = Path("generator settings")
# Settings given by their own name (``customers=300``) that live in a section of the file.
SECTION_OF = {
    **dict.fromkeys(Scale.model_fields, "scale"),
    **dict.fromkeys(MasterData.model_fields, "master_data"),
}


class GeneratorSettings(ConfigModel):
    """Everything that determines the generated files; the same settings give the same bytes.

    Attributes
    ----------
    seed
        Root of every random stream.
    scale
        Customers, months and order lines.
    archetype_shares
        Share of customers per behavioural archetype.
    master_data
        Duplicate, hierarchy and cross-reference shares.
    extract_lag_days
        Days between the window end and the extract: later payments are still open, later
        returns have not happened yet.
    faults
        Planted fault rates.
    drift
        Planted drift from one month on, or ``None`` for none (then the output is exactly that
        of a generator without drift). A drift that begins after the window is dropped: the
        episode has not begun in a shorter window.
    """

    seed: NonNegativeInt = 20241101
    scale: Annotated[Scale, BeforeValidator(_empty_is_default)] = Scale()
    archetype_shares: Annotated[ArchetypeShares, BeforeValidator(_empty_is_default)] = (
        ArchetypeShares()
    )
    master_data: Annotated[MasterData, BeforeValidator(_empty_is_default)] = MasterData()
    extract_lag_days: NonNegativeInt = 5
    faults: Annotated[FaultRates, BeforeValidator(_empty_is_default)] = FaultRates()
    drift: DriftSettings | None = None

    @model_validator(mode="after")
    def _drift_in_window(self) -> Self:
        if self.drift is None:
            return self
        if self.drift.from_month > self._last_month():
            object.__setattr__(self, "drift", None)
        elif self.drift.from_month < self.start_month:
            raise InvalidEntry(
                "drift.from_month",
                f"{self.drift.from_month} lies before the first generated month"
                f" {self.start_month} (scale.start_month); a drift after the last month"
                " plants nothing",
            )
        return self

    @property
    def customers(self) -> int:
        """Number of real (deduplicated) customers."""
        return self.scale.customers

    @property
    def months(self) -> int:
        """Length of the order window in months."""
        return self.scale.months

    @property
    def order_lines(self) -> int:
        """Target number of clean order lines."""
        return self.scale.order_lines

    @property
    def start_month(self) -> dt.date:
        """First day of the first month of the window."""
        return self.scale.start_month

    @property
    def erp_duplicate_share(self) -> float:
        """Share of real customers with a second ERP customer record."""
        return self.master_data.erp_duplicate_share

    @property
    def crm_duplicate_share(self) -> float:
        """Share of real customers with two CRM accounts."""
        return self.master_data.crm_duplicate_share

    @property
    def finance_duplicate_share(self) -> float:
        """Share of real customers billed under two billing accounts."""
        return self.master_data.finance_duplicate_share

    @property
    def subsidiary_share(self) -> float:
        """Share of customers that belong to a parent customer."""
        return self.master_data.subsidiary_share

    @property
    def recorded_parent_share(self) -> float:
        """Share of true parent links the ERP records."""
        return self.master_data.recorded_parent_share

    @property
    def crm_erp_ref_share(self) -> float:
        """Share of CRM accounts with ``erp_customer_ref`` filled."""
        return self.master_data.crm_erp_ref_share

    def _last_month(self) -> dt.date:
        first = self.start_month
        return dt.date(
            first.year + (first.month - 1 + self.months - 1) // 12,
            (first.month - 1 + self.months - 1) % 12 + 1,
            1,
        )

    @property
    def drift_month(self) -> int | None:
        """Window month (0-based) from which the drift applies, or ``None`` without drift."""
        if self.drift is None:
            return None
        start, month = self.start_month, self.drift.from_month
        return (month.year - start.year) * 12 + month.month - start.month

    @property
    def archetype_share_map(self) -> dict[str, float]:
        """Archetype shares by name."""
        return self.archetype_shares.model_dump()

    def replace(self, **changes: Any) -> Self:
        """Return a copy with some settings changed, validated again.

        Settings of a section are given by their own name (``customers=300``,
        ``crm_duplicate_share=0.1``); ``drift``, ``faults`` and ``archetype_shares`` take their
        model, a mapping laid out like the file's section, or (``drift``) ``None``, e.g.
        ``drift={"from_month": "2025-11-01", "market_shift": {"units_per_line_factor": 0.8}}``.
        """
        data: dict[str, Any] = dict(self)
        sections: dict[str, dict[str, Any]] = {}
        problems = []
        for name, value in changes.items():
            if name in SECTION_OF:
                sections.setdefault(SECTION_OF[name], {})[name] = value
            elif name in type(self).model_fields:
                data[name] = value
            else:
                known = [*type(self).model_fields, *SECTION_OF]
                problems.append(
                    ConfigProblem((name,), f"no such setting; {suggestion(name, known)}")
                )
        if problems:
            raise GeneratorConfigError(REPLACED, problems)
        for section, values in sections.items():
            data[section] = {**getattr(self, section).model_dump(), **values}
        try:
            return type(self).model_validate(data)
        except ValidationError as error:
            raise GeneratorConfigError(REPLACED, problems_of(error, type(self))) from None

    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-friendly view of the settings, sections flattened (for the manifest)."""
        return {
            "seed": self.seed,
            "customers": self.customers,
            "months": self.months,
            "order_lines": self.order_lines,
            "start_month": self.start_month.isoformat(),
            "archetype_shares": self.archetype_share_map,
            **self.master_data.model_dump(),
            "extract_lag_days": self.extract_lag_days,
            "faults": self.faults.as_dict(),
            # Only when set: manifests of runs without drift keep their previous settings block.
            **({} if self.drift is None else {"drift": self.drift.as_dict()}),
        }

    @classmethod
    def from_yaml(cls, path: Path | str, **overrides: Any) -> Self:
        """Read settings from a YAML file, then apply keyword overrides.

        Parameters
        ----------
        path
            A file laid out like ``config/generator.yaml``.
        **overrides
            Settings that replace the file's, e.g. ``seed=7`` or ``customers=300`` (see
            ``replace``).
        """
        settings = load_config(Path(path), cls, GeneratorConfigError)
        if not overrides:
            return settings
        try:
            return settings.replace(**overrides)
        except GeneratorConfigError as error:
            problems = [
                ConfigProblem(problem.key_path, f"{problem.message} (given as an override)")
                for problem in error.problems
            ]
            raise GeneratorConfigError(Path(path), problems) from None


def default_generator_settings_path() -> Path:
    """``config/generator.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "generator.yaml"


def load_generator_settings(path: Path | None = None, **overrides: Any) -> GeneratorSettings:
    """Read and validate the generator settings.

    Parameters
    ----------
    path
        The YAML file; ``config/generator.yaml`` by default.
    **overrides
        Settings that replace the file's (see ``GeneratorSettings.replace``).
    """
    return GeneratorSettings.from_yaml(path or default_generator_settings_path(), **overrides)
