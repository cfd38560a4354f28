"""Steward overrides: force-match, force-split and set-parent decisions kept in a versioned file.

Every override carries who decided, when and why; each run applies all of them and records in
the audit table what each one did (or why it could not be applied).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import polars as pl
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, model_validator

from seg_assets.lib.config import ConfigModel, InvalidEntry, Items, KeyPath, load_config
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.mdm.settings import (
    RECORDS_MODEL,
    MdmConfigError,
    known_to_loader,
    refuse_entries,
)
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.source_contracts import load_source_contracts
from seg_assets.lib.sql_models import parse_model

MATCH_ACTIONS = ("force_match", "force_split")
AUDIT_COLUMNS = {
    "override_id": pl.String,
    "action": pl.String,
    "records": pl.String,
    "who": pl.String,
    "decided_on": pl.Date,
    "why": pl.String,
    "outcome": pl.String,
}


class StewardConflictError(SegAssetsError):
    """Steward decisions that cannot all hold on this run's customers (set_parent decisions
    that form a cycle once their records are matched into customers)."""


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _said(value: str) -> str:
    if not value:
        raise ValueError("must not be empty: every decision says who took it, when and why")
    return value


Statement = Annotated[str, BeforeValidator(_stripped), AfterValidator(_said)]


def _record(value: str, info: ValidationInfo) -> str:
    """``<system>:<id>``, of a system whose customer records are matched (when the loader
    knows them)."""
    system, colon, source_id = value.partition(":")
    if not (colon and system and source_id):
        raise ValueError(f"{value!r} must be written <system>:<id>, e.g. erp:C000123")
    known_to_loader(system, info, "record_systems", "a system whose customer records are matched")
    return value


RecordRef = Annotated[str, BeforeValidator(_stripped), AfterValidator(_record)]


def _decision_date(value: Any) -> Any:
    """A date, written as YAML reads it (2026-11-02), quoted, or with a time of day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


class StewardOverride(ConfigModel):
    """One steward decision (YAML keys ``id`` and ``when`` are ``override_id`` and
    ``decided_on``).

    ``records`` are the records a force-match joins or a force-split separates; a set-parent
    decision names ``child`` and ``parent`` (``None``: "has no parent") and its ``records``
    are ``(child, parent)``.
    """

    override_id: Statement = Field(alias="id")
    action: Literal["force_match", "force_split", "set_parent"]
    records: Items[RecordRef | None] = ()
    child: RecordRef | None = None
    parent: RecordRef | None = None
    who: Statement
    decided_on: Annotated[dt.date, BeforeValidator(_decision_date)] = Field(alias="when")
    why: Statement

    @model_validator(mode="after")
    def _records_of_the_action(self) -> Self:
        given = self.model_fields_set
        if self.action in MATCH_ACTIONS:
            for key in ("child", "parent"):
                if key in given:
                    raise InvalidEntry(key, f"{self.action} names records, not {key}")
            if None in self.records or len(set(self.records)) < 2:
                raise InvalidEntry("records", f"{self.action} needs at least two distinct records")
            if len(set(self.records)) < len(self.records):
                raise InvalidEntry("records", "a record is listed twice")
            return self
        if "records" in given:
            raise InvalidEntry("records", "set_parent names child and parent, not records")
        if self.child is None:
            raise InvalidEntry("child", "set_parent needs a child record")
        if self.parent == self.child:
            raise InvalidEntry("parent", "a record cannot be its own parent")
        object.__setattr__(self, "records", (self.child, self.parent))
        return self


def _none_is_empty(value: Any) -> Any:
    return () if value is None else value


def _decision(value: Any) -> Any:
    if isinstance(value, str | int | float | list):
        raise ValueError(
            "an override is a mapping with id, action, records (or child and parent), who, when"
            " and why"
        )
    return value


Problem = tuple[KeyPath, Any, str]


def _reused_ids(overrides: tuple[StewardOverride, ...]) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for i, override in enumerate(overrides):
        earlier = first.setdefault(override.override_id, i)
        if earlier != i:
            message = f"id {override.override_id} is already used by overrides[{earlier}]"
            problems.append((("overrides", i, "id"), override.override_id, message))
    return problems


def _contradicted_splits(overrides: tuple[StewardOverride, ...]) -> list[Problem]:
    """Force-splits of records that force-matches join (directly or through other records)."""
    joined: dict[str | None, set[str | None]] = {}
    for override in overrides:
        if override.action == "force_match":
            group = set().union(*(joined.get(record, {record}) for record in override.records))
            joined.update(dict.fromkeys(group, group))
    problems = []
    for i, override in enumerate(overrides):
        if override.action != "force_split":
            continue
        for one, other in combinations(override.records, 2):
            if other in joined.get(one, ()):
                message = f"splits {one} and {other}, which force_match decisions join"
                problems.append((("overrides", i, "records"), list(override.records), message))
                break
    return problems


def _conflicting_parents(overrides: tuple[StewardOverride, ...]) -> list[Problem]:
    """A child given two parents, and set-parent decisions that form a cycle of records."""
    decided: dict[str, StewardOverride] = {}
    problems: list[Problem] = []
    for i, override in enumerate(overrides):
        if override.action != "set_parent" or override.child is None:
            continue
        if override.child in decided:
            message = (
                f"{override.child} already gets its parent from"
                f" {decided[override.child].override_id}; keep one decision"
            )
            problems.append((("overrides", i, "child"), override.child, message))
        decided.setdefault(override.child, override)
    for i, override in enumerate(overrides):
        if override.action != "set_parent" or decided.get(str(override.child)) is not override:
            continue
        chain, node = [str(override.child)], override.parent
        while node is not None and node not in chain and node in decided:
            chain.append(node)
            node = decided[node].parent
        # Reported once, at the decision of the cycle's first record.
        if node == chain[0] == min(chain):
            message = f"set_parent decisions form a cycle: {' -> '.join([*chain, node])}"
            problems.append((("overrides", i, "parent"), override.parent, message))
    return problems


class StewardOverrides(ConfigModel):
    """The overrides file: decisions with distinct ids that do not contradict each other."""

    overrides: Annotated[
        Items[Annotated[StewardOverride, BeforeValidator(_decision)]],
        BeforeValidator(_none_is_empty),
    ] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [
            *_reused_ids(self.overrides),
            *_contradicted_splits(self.overrides),
            *_conflicting_parents(self.overrides),
        ]
        refuse_entries(type(self).__name__, problems)
        return self


def default_overrides_path() -> Path:
    """``config/mdm_overrides.yaml``."""
    return config_dir() / "mdm_overrides.yaml"


def customer_record_systems() -> tuple[str, ...] | None:
    """Systems whose records are matched: the systems of the sources (``config/sources.yaml``)
    that the customer-record model reads through their staging models; None when that file
    cannot be read (its own check reports why)."""
    schema, name = RECORDS_MODEL
    staged = {
        table.removeprefix("stg_")
        for _, table in parse_model(sql_dir() / schema / f"{name}.sql").upstream
    }
    try:
        contracts = load_source_contracts(config_dir() / "sources.yaml")
    except SegAssetsError:
        return None
    systems = sorted(
        {contract.system for source, contract in contracts.items() if source in staged}
    )
    return tuple(systems) or None


def load_overrides(path: Path | None = None) -> tuple[StewardOverride, ...]:
    """Read and validate the overrides file (no file means no overrides).

    Parameters
    ----------
    path
        The YAML file; ``config/mdm_overrides.yaml`` by default. Records must be of a system
        whose customer records are matched.
    """
    source = path or default_overrides_path()
    if not source.exists():
        return ()
    context = {"record_systems": customer_record_systems()}
    return load_config(source, StewardOverrides, MdmConfigError, context=context).overrides


@dataclass(frozen=True)
class MatchConstraints:
    """Pairs the clustering must join and must keep apart, from the applicable overrides."""

    must_link: tuple[tuple[str, str], ...]
    cannot_link: tuple[tuple[str, str], ...]
    unknown_records: dict[str, tuple[str, ...]]


def match_constraints(
    overrides: Iterable[StewardOverride], known_records: set[str]
) -> MatchConstraints:
    """Force-matches as must-link pairs and force-splits as cannot-link pairs.

    An override naming a record that is not in this run's records is not applied; it is
    reported, so a steward can fix or retire it.
    """
    must, cannot, unknown = [], [], {}
    for override in overrides:
        if override.action not in MATCH_ACTIONS:
            continue
        absent = tuple(r for r in override.records if r not in known_records)
        if absent:
            unknown[override.override_id] = absent
            continue
        records = [r for r in override.records if r is not None]
        if override.action == "force_match":
            must.extend((records[0], other) for other in records[1:])
        else:
            cannot.extend(combinations(records, 2))
    return MatchConstraints(tuple(must), tuple(cannot), unknown)


def audit_rows(overrides: Iterable[StewardOverride], outcomes: dict[str, str]) -> pl.DataFrame:
    """One audit row per override: the decision, who took it, when, why and what it did."""
    return pl.DataFrame(
        [
            {
                "override_id": o.override_id,
                "action": o.action,
                "records": " -> ".join(r or "(no parent)" for r in o.records)
                if o.action == "set_parent"
                else ", ".join(r for r in o.records if r),
                "who": o.who,
                "decided_on": o.decided_on,
                "why": o.why,
                "outcome": outcomes.get(o.override_id, "not applied"),
            }
            for o in overrides
        ],
        schema=AUDIT_COLUMNS,
    )


def not_found_outcome(absent: Iterable[str]) -> str:
    """The audit outcome of an override naming records this run does not have."""
    return f"not applied: {', '.join(absent)} not among this run's records"


def _together(assignment: dict[str, str], records: Iterable[str | None]) -> bool:
    """Whether all ``records`` are in one customer."""
    return len({assignment[r] for r in records if r is not None}) == 1


def _any_together(assignment: dict[str, str], records: Iterable[str | None]) -> bool:
    """Whether at least two of ``records`` are in one customer."""
    present = [assignment[r] for r in records if r is not None]
    return len(set(present)) < len(present)


def match_outcomes(
    overrides: Iterable[StewardOverride],
    constraints: MatchConstraints,
    with_overrides: pl.DataFrame,
    model_only: pl.DataFrame,
) -> dict[str, str]:
    """What each force-match and force-split did, compared with the model's own clustering.

    Parameters
    ----------
    overrides
        All overrides (set-parent ones are skipped here).
    constraints
        The constraints built from them, with the records no run knows.
    with_overrides, model_only
        ``record_id`` -> ``anchor_record_id`` with and without the overrides applied.
    """
    final = dict(with_overrides.select("record_id", "anchor_record_id").iter_rows())
    model = dict(model_only.select("record_id", "anchor_record_id").iter_rows())
    outcomes = {}
    for override in overrides:
        if override.action not in MATCH_ACTIONS:
            continue
        absent = constraints.unknown_records.get(override.override_id)
        if absent:
            outcomes[override.override_id] = not_found_outcome(absent)
        elif override.action == "force_match":
            outcomes[override.override_id] = (
                "applied; the model had matched them too"
                if _together(model, override.records)
                else f"applied: joined into {final[override.records[0]]}"
            )
        else:
            outcomes[override.override_id] = (
                "applied: split records the model had matched"
                if _any_together(model, override.records)
                else "applied; the model had kept them apart too"
            )
    return outcomes
