"""Settings of the synthetic source generator: scale, master-data quality, faults and drift."""

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import yaml

from seg_assets.lib.errors import SegAssetsError

# Archetype names and their default share of customers; `archetypes.py` holds the behaviour.
DEFAULT_ARCHETYPE_SHARES: tuple[tuple[str, float], ...] = (
    ("large_steady", 0.10),
    ("small_frequent", 0.25),
    ("project_lumpy", 0.15),
    ("high_returns", 0.10),
    ("long_tail_occasional", 0.40),
)


class GeneratorConfigError(SegAssetsError):
    """The generator settings (``config/generator.yaml`` or overrides) are invalid."""


def _number(value: Any, key: str) -> float:
    """A YAML number as float; anything else (text, booleans, lists) is a config error."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GeneratorConfigError(f"{key} must be a number, got {value!r}")
    return float(value)


def _section(value: Any, key: str, allowed: set[str]) -> dict[str, Any]:
    """A mapping section of the YAML with only ``allowed`` keys."""
    if not isinstance(value, Mapping):
        raise GeneratorConfigError(f"{key} must be a mapping or null, got {value!r}")
    unknown = {str(name) for name in value} - allowed
    if unknown:
        raise GeneratorConfigError(
            f"{key}: unknown key(s) {sorted(unknown)}; allowed are {sorted(allowed)}"
        )
    return {str(name): item for name, item in value.items()}


@dataclass(frozen=True)
class ArchetypeSwitch:
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

    share: float = 0.3
    from_archetypes: tuple[str, ...] = ("long_tail_occasional",)
    to_archetype: str = "large_steady"

    def __post_init__(self) -> None:
        known = sorted(name for name, _ in DEFAULT_ARCHETYPE_SHARES)
        problems = []
        if not 0 < self.share <= 1:
            problems.append(
                f"drift.archetype_switch.share must be above 0 and at most 1, got {self.share}"
                " (set archetype_switch: null for no switch)"
            )
        names = list(self.from_archetypes)
        if not names or len(set(names)) != len(names) or not set(names) <= set(known):
            problems.append(
                f"drift.archetype_switch.from must list distinct archetypes of {known}, got {names}"
            )
        if self.to_archetype not in known:
            problems.append(
                f"drift.archetype_switch.to must be one of {known}, got {self.to_archetype!r}"
            )
        elif self.to_archetype in names:
            problems.append(
                f"drift.archetype_switch.to ({self.to_archetype}) must not be in"
                " drift.archetype_switch.from"
            )
        if problems:
            raise GeneratorConfigError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        """The switch in the YAML layout (keys ``share``, ``from``, ``to``)."""
        return {"share": self.share, "from": list(self.from_archetypes), "to": self.to_archetype}

    @classmethod
    def from_mapping(cls, value: Any) -> Self | None:
        """Read ``drift.archetype_switch`` (``None`` when null); missing keys take defaults."""
        if value is None:
            return None
        section = _section(value, "drift.archetype_switch", {"share", "from", "to"})
        values: dict[str, Any] = {}
        if "share" in section:
            values["share"] = _number(section["share"], "drift.archetype_switch.share")
        if "from" in section:
            names = section["from"]
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise GeneratorConfigError(
                    "drift.archetype_switch.from must be an archetype name or a list of them,"
                    f" got {section['from']!r}"
                )
            values["from_archetypes"] = tuple(names)
        if "to" in section:
            if not isinstance(section["to"], str):
                raise GeneratorConfigError(
                    f"drift.archetype_switch.to must be an archetype name, got {section['to']!r}"
                )
            values["to_archetype"] = section["to"]
        return cls(**values)


@dataclass(frozen=True)
class MarketShift:
    """From the drift month on, every customer's units per order line change by a factor.

    Attributes
    ----------
    units_per_line_factor
        Multiplies the units of every order line (before rounding to whole units).
    """

    units_per_line_factor: float = 0.8

    def __post_init__(self) -> None:
        factor = self.units_per_line_factor
        if not 0.1 <= factor <= 10 or factor == 1:
            raise GeneratorConfigError(
                "drift.market_shift.units_per_line_factor must lie between 0.1 and 10 and"
                f" differ from 1, got {factor} (set market_shift: null for no shift)"
            )

    def as_dict(self) -> dict[str, Any]:
        """The shift in the YAML layout."""
        return {"units_per_line_factor": self.units_per_line_factor}

    @classmethod
    def from_mapping(cls, value: Any) -> Self | None:
        """Read ``drift.market_shift`` (``None`` when null); a missing factor takes the default."""
        if value is None:
            return None
        section = _section(value, "drift.market_shift", {"units_per_line_factor"})
        if "units_per_line_factor" not in section:
            return cls()
        key = "drift.market_shift.units_per_line_factor"
        return cls(units_per_line_factor=_number(section["units_per_line_factor"], key))


@dataclass(frozen=True)
class DriftSettings:
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

    from_month: dt.date
    archetype_switch: ArchetypeSwitch | None = None
    market_shift: MarketShift | None = None

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.from_month, dt.date) or isinstance(self.from_month, dt.datetime):
            problems.append(f"drift.from_month must be a date YYYY-MM-01, got {self.from_month!r}")
        elif self.from_month.day != 1:
            problems.append(
                f"drift.from_month must be the first day of a month, got {self.from_month}"
            )
        if self.archetype_switch is None and self.market_shift is None:
            problems.append(
                "drift needs archetype_switch or market_shift (set drift: null for no drift)"
            )
        if problems:
            raise GeneratorConfigError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        """The drift in the YAML layout (for the manifest)."""
        switch, shift = self.archetype_switch, self.market_shift
        return {
            "from_month": self.from_month.isoformat(),
            "archetype_switch": None if switch is None else switch.as_dict(),
            "market_shift": None if shift is None else shift.as_dict(),
        }

    @classmethod
    def from_mapping(cls, value: Any) -> Self | None:
        """Read the ``drift`` section of ``config/generator.yaml`` (``None`` when null).

        Parameters
        ----------
        value
            ``None``, or a mapping with ``from_month`` (a date or ``YYYY-MM-01`` text) and
            optional ``archetype_switch`` and ``market_shift`` sections.
        """
        if value is None:
            return None
        section = _section(value, "drift", {"from_month", "archetype_switch", "market_shift"})
        if section.get("from_month") is None:
            raise GeneratorConfigError("drift.from_month is required (a date YYYY-MM-01)")
        from_month = section["from_month"]
        if isinstance(from_month, str):
            try:
                from_month = dt.date.fromisoformat(from_month)
            except ValueError as error:
                raise GeneratorConfigError(
                    f"drift.from_month must be a date YYYY-MM-01, got {section['from_month']!r}"
                ) from error
        return cls(
            from_month=from_month,
            archetype_switch=ArchetypeSwitch.from_mapping(section.get("archetype_switch")),
            market_shift=MarketShift.from_mapping(section.get("market_shift")),
        )


@dataclass(frozen=True)
class FaultRates:
    """Share of records of the affected file that carry each planted fault.

    Each fault is planted on exactly ``round(rate * n)`` records, where ``n`` is the number of
    clean records of its file: orders, order lines before duplicates are inserted, shipments.
    """

    missing_freight_cost: float = 0.03
    unknown_customer_id: float = 0.003
    duplicate_order_line: float = 0.002
    nonpositive_quantity: float = 0.002
    delivery_before_ship: float = 0.005
    requested_before_order: float = 0.002
    inconsistent_customer_id_format: float = 0.02
    unparseable_promised_date: float = 0.001
    missing_order_date: float = 0.001

    def as_dict(self) -> dict[str, float]:
        """Rates by fault name, in declaration order."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class GeneratorSettings:
    """Everything that determines the generated files; the same settings give the same bytes.

    Attributes
    ----------
    seed
        Root of every random stream.
    customers
        Number of real (deduplicated) customers.
    months
        Length of the order window in months, starting at ``start_month``.
    order_lines
        Target number of clean order lines; the actual count lands within about 2 %.
    start_month
        First day of the first month of the window.
    archetype_shares
        Share of customers per behavioural archetype, as ``(name, share)`` pairs.
    erp_duplicate_share, crm_duplicate_share, finance_duplicate_share
        Share of real customers with a second record in that system.
    subsidiary_share
        Share of customers that belong to a parent customer.
    recorded_parent_share
        Share of true parent links that the ERP records in ``parent_customer_id``.
    crm_erp_ref_share
        Share of CRM accounts whose ``erp_customer_ref`` is filled.
    extract_lag_days
        Days between the window end and the extract: later payments are still open, later
        returns have not happened yet.
    faults
        Planted fault rates.
    drift
        Planted drift from one month on, or ``None`` for none (then the output is exactly that
        of a generator without drift).
    """

    seed: int = 20241101
    customers: int = 5_000
    months: int = 25
    order_lines: int = 500_000
    start_month: dt.date = dt.date(2024, 11, 1)
    archetype_shares: tuple[tuple[str, float], ...] = DEFAULT_ARCHETYPE_SHARES
    erp_duplicate_share: float = 0.02
    crm_duplicate_share: float = 0.05
    finance_duplicate_share: float = 0.03
    subsidiary_share: float = 0.15
    recorded_parent_share: float = 0.60
    crm_erp_ref_share: float = 0.30
    extract_lag_days: int = 5
    faults: FaultRates = field(default_factory=FaultRates)
    drift: DriftSettings | None = None

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.seed, int) and self.seed >= 0):
            problems.append(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.customers < 50:
            problems.append(f"customers must be at least 50, got {self.customers}")
        if not 1 <= self.months <= 240:
            problems.append(f"months must be between 1 and 240, got {self.months}")
        if self.order_lines < 10 * self.months:
            problems.append(f"order_lines must be at least 10 per month, got {self.order_lines}")
        if self.start_month.day != 1:
            problems.append(f"start_month must be the first day of a month, got {self.start_month}")
        if self.extract_lag_days < 0:
            problems.append(f"extract_lag_days must be >= 0, got {self.extract_lag_days}")
        known = {name for name, _ in DEFAULT_ARCHETYPE_SHARES}
        names = [name for name, _ in self.archetype_shares]
        if sorted(names) != sorted(known):
            problems.append(f"archetype_shares must name each of {sorted(known)}, got {names}")
        if any(share < 0 for _, share in self.archetype_shares) or not (
            0.99 <= sum(share for _, share in self.archetype_shares) <= 1.01
        ):
            problems.append("archetype_shares must be non-negative and sum to 1")
        shares = {
            "erp_duplicate_share": (self.erp_duplicate_share, 0.5),
            "crm_duplicate_share": (self.crm_duplicate_share, 0.5),
            "finance_duplicate_share": (self.finance_duplicate_share, 0.5),
            "subsidiary_share": (self.subsidiary_share, 0.6),
            "recorded_parent_share": (self.recorded_parent_share, 1.0),
            "crm_erp_ref_share": (self.crm_erp_ref_share, 1.0),
        }
        problems.extend(
            f"{name} must be between 0 and {upper}, got {value}"
            for name, (value, upper) in shares.items()
            if not 0 <= value <= upper
        )
        rates = self.faults.as_dict()
        problems.extend(
            f"faults.{name} must be between 0 and 0.1, got {rate}"
            for name, rate in rates.items()
            if not 0 <= rate <= 0.1
        )
        if self._drift_begins_after_window():
            # The episode has not begun in this (shorter) window: nothing to plant.
            object.__setattr__(self, "drift", None)
        problems.extend(self._drift_problems())
        if problems:
            raise GeneratorConfigError("invalid generator settings: " + "; ".join(problems))

    def _last_month(self) -> dt.date:
        first = self.start_month
        return dt.date(
            first.year + (first.month - 1 + self.months - 1) // 12,
            (first.month - 1 + self.months - 1) % 12 + 1,
            1,
        )

    def _drift_begins_after_window(self) -> bool:
        drift = self.drift
        return (
            isinstance(drift, DriftSettings)
            and isinstance(drift.from_month, dt.date)
            and isinstance(self.start_month, dt.date)
            and 1 <= self.months
            and drift.from_month > self._last_month()
        )

    def _drift_problems(self) -> list[str]:
        if self.drift is None:
            return []
        if not isinstance(self.drift, DriftSettings):
            return [f"drift must be DriftSettings, a mapping or None, got {self.drift!r}"]
        first = self.start_month
        if self.drift.from_month < first:
            return [
                f"drift.from_month must not lie before the first generated month {first},"
                f" got {self.drift.from_month} (a drift after the last month plants nothing)"
            ]
        return []

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
        return dict(self.archetype_shares)

    def replace(self, **changes: Any) -> Self:
        """Return a copy with some fields changed (validated again).

        ``drift`` may also be given in the YAML layout, e.g.
        ``drift={"from_month": "2025-11-01", "market_shift": {"units_per_line_factor": 0.8}}``.
        """
        if isinstance(changes.get("drift"), Mapping):
            changes["drift"] = DriftSettings.from_mapping(changes["drift"])
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-friendly view of the settings (for the manifest)."""
        return {
            "seed": self.seed,
            "customers": self.customers,
            "months": self.months,
            "order_lines": self.order_lines,
            "start_month": self.start_month.isoformat(),
            "archetype_shares": dict(self.archetype_shares),
            "erp_duplicate_share": self.erp_duplicate_share,
            "crm_duplicate_share": self.crm_duplicate_share,
            "finance_duplicate_share": self.finance_duplicate_share,
            "subsidiary_share": self.subsidiary_share,
            "recorded_parent_share": self.recorded_parent_share,
            "crm_erp_ref_share": self.crm_erp_ref_share,
            "extract_lag_days": self.extract_lag_days,
            "faults": self.faults.as_dict(),
            # Only when set: manifests of runs without drift keep their previous settings block.
            **({} if self.drift is None else {"drift": self.drift.as_dict()}),
        }

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any], where: str = "settings") -> Self:
        """Build settings from the nested layout of ``config/generator.yaml``.

        Parameters
        ----------
        document
            Mapping with optional keys ``seed``, ``scale``, ``archetype_shares``,
            ``master_data``, ``extract_lag_days``, ``faults`` and ``drift``.
        where
            Name of the origin, used in error messages.
        """
        sections = {"seed", "scale", "archetype_shares", "master_data", "extract_lag_days"}
        unknown = set(document) - sections - {"faults", "drift"}
        if unknown:
            raise GeneratorConfigError(f"{where}: unknown top-level key(s) {sorted(unknown)}")
        values: dict[str, Any] = {}
        if "seed" in document:
            values["seed"] = document["seed"]
        if "extract_lag_days" in document:
            values["extract_lag_days"] = document["extract_lag_days"]
        values.update(document.get("scale") or {})
        values.update(document.get("master_data") or {})
        if "start_month" in values and isinstance(values["start_month"], str):
            try:
                values["start_month"] = dt.date.fromisoformat(values["start_month"])
            except ValueError as error:
                raise GeneratorConfigError(
                    f"{where}: scale.start_month {values['start_month']!r} is not YYYY-MM-DD"
                ) from error
        if document.get("archetype_shares"):
            values["archetype_shares"] = tuple(
                (str(name), float(share)) for name, share in document["archetype_shares"].items()
            )
        fault_names = {f.name for f in dataclasses.fields(FaultRates)}
        faults = document.get("faults") or {}
        unknown_faults = set(faults) - fault_names
        if unknown_faults:
            raise GeneratorConfigError(f"{where}: unknown fault(s) {sorted(unknown_faults)}")
        values["faults"] = FaultRates(**{name: float(rate) for name, rate in faults.items()})
        try:
            values["drift"] = DriftSettings.from_mapping(document.get("drift"))
        except GeneratorConfigError as error:
            raise GeneratorConfigError(f"{where}: {error}") from error
        field_names = {f.name for f in dataclasses.fields(cls)}
        unknown_fields = set(values) - field_names
        if unknown_fields:
            raise GeneratorConfigError(f"{where}: unknown setting(s) {sorted(unknown_fields)}")
        try:
            return cls(**values)
        except GeneratorConfigError as error:
            raise GeneratorConfigError(f"{where}: {error}") from error

    @classmethod
    def from_yaml(cls, path: Path | str, **overrides: Any) -> Self:
        """Read settings from a YAML file, then apply keyword overrides.

        Parameters
        ----------
        path
            A file laid out like ``config/generator.yaml``.
        **overrides
            Field values that replace the file's, e.g. ``seed=7`` or ``customers=300``;
            ``drift`` takes ``DriftSettings``, ``None`` or a mapping laid out like the file's
            ``drift`` section.
        """
        path = Path(path)
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise GeneratorConfigError(
                f"{path}: cannot read generator settings: {error}"
            ) from error
        settings = cls.from_mapping(document, where=str(path))
        if not overrides:
            return settings
        try:
            return settings.replace(**overrides)
        except GeneratorConfigError as error:
            raise GeneratorConfigError(f"{path} with overrides: {error}") from error
