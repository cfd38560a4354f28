"""Settings of the synthetic source generator: scale, master-data quality and fault rates."""

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
    """

    seed: int = 20241101
    customers: int = 5_000
    months: int = 24
    order_lines: int = 500_000
    start_month: dt.date = dt.date(2024, 11, 1)
    archetype_shares: tuple[tuple[str, float], ...] = DEFAULT_ARCHETYPE_SHARES
    erp_duplicate_share: float = 0.02
    crm_duplicate_share: float = 0.05
    finance_duplicate_share: float = 0.03
    subsidiary_share: float = 0.15
    recorded_parent_share: float = 0.60
    crm_erp_ref_share: float = 0.30
    extract_lag_days: int = 30
    faults: FaultRates = field(default_factory=FaultRates)

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
        if problems:
            raise GeneratorConfigError("invalid generator settings: " + "; ".join(problems))

    @property
    def archetype_share_map(self) -> dict[str, float]:
        """Archetype shares by name."""
        return dict(self.archetype_shares)

    def replace(self, **changes: Any) -> Self:
        """Return a copy with some fields changed (validated again)."""
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
        }

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any], where: str = "settings") -> Self:
        """Build settings from the nested layout of ``config/generator.yaml``.

        Parameters
        ----------
        document
            Mapping with optional keys ``seed``, ``scale``, ``archetype_shares``,
            ``master_data``, ``extract_lag_days`` and ``faults``.
        where
            Name of the origin, used in error messages.
        """
        sections = {"seed", "scale", "archetype_shares", "master_data", "extract_lag_days"}
        unknown = set(document) - sections - {"faults"}
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
            Field values that replace the file's, e.g. ``seed=7`` or ``customers=300``.
        """
        path = Path(path)
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise GeneratorConfigError(
                f"{path}: cannot read generator settings: {error}"
            ) from error
        settings = cls.from_mapping(document, where=str(path))
        return settings.replace(**overrides) if overrides else settings
