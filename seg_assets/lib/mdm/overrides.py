"""Steward overrides: force-match, force-split and set-parent decisions kept in a versioned file.

Every override carries who decided, when and why; each run applies all of them and records in
the audit table what each one did (or why it could not be applied).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from seg_assets.lib.mdm.settings import MdmConfigError
from seg_assets.lib.project import config_dir

MATCH_ACTIONS = ("force_match", "force_split")
ACTIONS = (*MATCH_ACTIONS, "set_parent")
AUDIT_COLUMNS = {
    "override_id": pl.String,
    "action": pl.String,
    "records": pl.String,
    "who": pl.String,
    "decided_on": pl.Date,
    "why": pl.String,
    "outcome": pl.String,
}


@dataclass(frozen=True)
class StewardOverride:
    """One steward decision.

    ``records`` are the records a force-match joins or a force-split separates; for
    ``set_parent`` they are ``(child, parent)``, parent ``None`` meaning "has no parent".
    """

    override_id: str
    action: str
    records: tuple[str | None, ...]
    who: str
    decided_on: dt.date
    why: str


def default_overrides_path() -> Path:
    """``config/mdm_overrides.yaml``."""
    return config_dir() / "mdm_overrides.yaml"


def _parse(entry: Any, index: int, path: Path) -> StewardOverride:
    where = f"{path}: overrides[{index}]"
    if not isinstance(entry, dict):
        raise MdmConfigError(f"{where}: an override is a mapping with id, action, who, when, why")
    override_id = str(entry.get("id") or "").strip()
    where = f"{where} ({override_id or 'no id'})"
    action = entry.get("action")
    if action not in ACTIONS:
        raise MdmConfigError(f"{where}: action {action!r} is not one of {', '.join(ACTIONS)}")
    missing = [key for key in ("id", "who", "when", "why") if not str(entry.get(key) or "").strip()]
    if missing:
        raise MdmConfigError(f"{where}: {', '.join(missing)} missing; every decision needs them")
    when = entry["when"]
    if isinstance(when, dt.datetime):  # YAML reads '2026-11-02 10:30' as a timestamp
        when = when.date()
    elif not isinstance(when, dt.date):
        try:
            when = dt.date.fromisoformat(str(when))
        except ValueError:
            raise MdmConfigError(f"{where}: when {when!r} is not a date (YYYY-MM-DD)") from None
    if action in MATCH_ACTIONS:
        records = tuple(str(r).strip() for r in entry.get("records") or ())
        if len(set(records)) < 2:
            raise MdmConfigError(f"{where}: {action} needs at least two distinct records")
    else:
        if not entry.get("child"):
            raise MdmConfigError(f"{where}: set_parent needs a child record")
        parent = entry.get("parent")
        records = (str(entry["child"]).strip(), str(parent).strip() if parent else None)
    for record in records:
        if record is not None and ":" not in record:
            raise MdmConfigError(
                f"{where}: record {record!r} must be written <system>:<id>, e.g. erp:C000123"
            )
    return StewardOverride(
        override_id=override_id,
        action=action,
        records=records,
        who=str(entry["who"]).strip(),
        decided_on=when,
        why=str(entry["why"]).strip(),
    )


def load_overrides(path: Path | None = None) -> tuple[StewardOverride, ...]:
    """Read and validate the overrides file (no file means no overrides).

    Parameters
    ----------
    path
        The YAML file; ``config/mdm_overrides.yaml`` by default.
    """
    source = path or default_overrides_path()
    if not source.exists():
        return ()
    document = yaml.safe_load(source.read_text()) or {}
    overrides = tuple(
        _parse(entry, i, source) for i, entry in enumerate(document.get("overrides") or ())
    )
    seen: set[str] = set()
    for override in overrides:
        if override.override_id in seen:
            raise MdmConfigError(f"{source}: override id {override.override_id} is used twice")
        seen.add(override.override_id)
    return overrides


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
