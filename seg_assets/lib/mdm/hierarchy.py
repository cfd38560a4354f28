"""Parent-subsidiary hierarchy of golden customers, from the evidence each system holds.

Evidence, strongest first: a steward's set_parent, the ERP's parent customer ID, the CRM's
free-text parent company resolved by name. Each customer gets at most one parent (the strongest
evidence wins; within one kind, the parent most records name). Links that would close a cycle
are dropped, weakest first, and listed for review.
"""

from collections import Counter
from dataclasses import dataclass

import polars as pl

from seg_assets.lib.mdm.overrides import StewardConflictError, StewardOverride
from seg_assets.lib.mdm.settings import HierarchySettings, MdmSettings
from seg_assets.lib.mdm.standardize import company_name

EVIDENCE_STRENGTH = {"steward": 0, "erp_parent_id": 1, "crm_parent_name": 2}
REVIEW_COLUMNS = {
    "customer_key": pl.String,
    "issue": pl.String,
    "detail": pl.String,
    "suggested_parent_key": pl.String,
}


@dataclass(frozen=True)
class Hierarchy:
    """The resolved hierarchy, its roll-up bridge and what stewards should review."""

    customers: pl.DataFrame
    bridge: pl.DataFrame
    review: pl.DataFrame
    evidence: pl.DataFrame


def _erp_evidence(records: pl.DataFrame, key_of: dict[str, str]) -> tuple[list, list]:
    links, review = [], []
    rows = records.filter(
        (pl.col("source_system") == "erp") & pl.col("parent_customer_ref").is_not_null()
    ).select("record_id", "parent_customer_ref")
    for record_id, parent_ref in rows.iter_rows():
        child = key_of[record_id]
        parent = key_of.get(f"erp:{parent_ref.strip().upper()}")
        if parent is None:
            review.append(
                (child, "unknown_parent_id", f"{record_id} names parent {parent_ref}", None)
            )
        elif parent != child:
            links.append((child, parent, "erp_parent_id", record_id))
    return links, review


def _is_abbreviation(short: str, full: str) -> bool:
    """'NOVA LOG' abbreviates 'NOVA LOGISTIK': as many words, each a prefix of its partner."""
    short_words, full_words = short.split(), full.split()
    return len(short_words) == len(full_words) and all(
        f.startswith(s) for s, f in zip(short_words, full_words, strict=True)
    )


def _starts_with_words(name: str, prefix: str) -> bool:
    """'NOVA PACK DE KOELN' starts with the words of 'NOVA PACK DE' (and has more)."""
    return name.startswith(prefix + " ")


@dataclass(frozen=True)
class _NameIndex:
    """Golden customers by the standardized names of their records."""

    keys_by_name: dict[str, set[str]]
    names_by_key: dict[str, set[str]]
    names_by_first_word: dict[str, set[str]]
    country_of: dict[str, str | None]

    def customers_named(self, name: str) -> set[str]:
        """Customers with a record of exactly this name, else whose names it abbreviates."""
        exact = self.keys_by_name.get(name)
        if exact:
            return set(exact)
        first = name.split(" ", 1)[0]
        return {
            key
            for full in self.names_by_first_word.get(first, ())
            if _is_abbreviation(name, full)
            for key in self.keys_by_name[full]
        }


def _name_index(standardized: pl.DataFrame, key_of: dict[str, str]) -> _NameIndex:
    keys_by_name: dict[str, set[str]] = {}
    names_by_key: dict[str, set[str]] = {}
    names_by_first_word: dict[str, set[str]] = {}
    country_of: dict[str, str | None] = {}
    for record_id, name, country in standardized.select(
        "record_id", "name_key", "country"
    ).iter_rows():
        key = key_of[record_id]
        country_of.setdefault(key, country)
        if name is None:
            continue
        keys_by_name.setdefault(name, set()).add(key)
        names_by_key.setdefault(key, set()).add(name)
        names_by_first_word.setdefault(name.split(" ", 1)[0], set()).add(name)
    return _NameIndex(keys_by_name, names_by_key, names_by_first_word, country_of)


def _most_specific(
    child: str, named: str, index: _NameIndex, children_of: dict[str, set[str]]
) -> str:
    """A CRM may name a site's whole group: prefer the group's member whose name the child's
    extends ('NOVA PACK DE' for 'NOVA PACK DE KOELN'), if exactly one does."""
    members = {
        member
        for member in children_of.get(named, set()) - {child}
        if any(
            _starts_with_words(name, member_name)
            for name in index.names_by_key.get(child, ())
            for member_name in index.names_by_key.get(member, ())
        )
    }
    return members.pop() if len(members) == 1 else named


def _crm_evidence(
    standardized: pl.DataFrame,
    key_of: dict[str, str],
    index: _NameIndex,
    settings: HierarchySettings,
    stronger: list,
) -> tuple[list, list]:
    """Parent names matched to customers whose records carry that standardized name."""
    known_parents = {parent for _, parent, *_ in stronger}
    resolved, review = [], []
    named = standardized.filter(pl.col("parent_name_key").is_not_null())
    for record_id, parent_name, name_key, country in named.select(
        "record_id", "parent_company_name", "parent_name_key", "country"
    ).iter_rows():
        child = key_of[record_id]
        named_customers = index.customers_named(name_key)
        if named_customers == {child}:
            continue  # the account names its own company: no parent, nothing to review
        candidates = sorted(named_customers - {child})
        if len(candidates) > 1 and settings.resolve_ambiguous_parent_names:
            # Known parents first; the child's country only when none of them is one (narrowing
            # several known parents by country links wrongly more often than rightly).
            candidates = (
                [c for c in candidates if c in known_parents]
                or [c for c in candidates if index.country_of.get(c) == country]
                or candidates
            )
        if len(candidates) == 1:
            resolved.append((child, candidates[0], record_id))
        else:
            issue = "ambiguous_parent_name" if candidates else "unknown_parent_name"
            detail = f"{record_id} names parent {parent_name!r}" + (
                f"; candidates {', '.join(candidates[:5])}" if candidates else ""
            )
            review.append((child, issue, detail, None))
    children_of: dict[str, set[str]] = {}
    for child, parent, *_ in [*stronger, *resolved]:
        children_of.setdefault(parent, set()).add(child)
    links = [
        (child, _most_specific(child, parent, index, children_of), "crm_parent_name", record_id)
        for child, parent, record_id in resolved
    ]
    return links, review


def _steward_evidence(
    overrides: tuple[StewardOverride, ...], key_of: dict[str, str]
) -> tuple[list, set[str]]:
    """Set-parent links and customers a steward says have no parent (unknown records are
    skipped here; the steward audit reports them)."""
    links, orphaned = [], set()
    for override in overrides:
        child_record, parent_record = override.records[0], override.records[-1]
        if override.action != "set_parent" or child_record not in key_of:
            continue
        if parent_record is None:
            orphaned.add(key_of[child_record])
        elif parent_record in key_of and key_of[parent_record] != key_of[child_record]:
            links.append(
                (key_of[child_record], key_of[parent_record], "steward", override.override_id)
            )
    return links, orphaned


def _choose_parents(evidence: list, orphaned: set[str]) -> tuple[dict[str, tuple], list]:
    """Strongest evidence per child; within it the parent most records name (then lowest key)."""
    by_child: dict[str, list] = {}
    for child, parent, kind, source in evidence:
        if child not in orphaned:
            by_child.setdefault(child, []).append((EVIDENCE_STRENGTH[kind], parent, kind, source))
    chosen, review = {}, []
    for child, items in by_child.items():
        strongest = min(strength for strength, *_ in items)
        votes = Counter(parent for strength, parent, *_ in items if strength == strongest)
        parent = min(votes, key=lambda p: (-votes[p], p))
        kind = next(k for s, p, k, _ in items if s == strongest and p == parent)
        chosen[child] = (parent, kind)
        others = sorted({p for _, p, *_ in items} - {parent})
        if others:
            review.append(
                (
                    child,
                    "conflicting_parents",
                    f"chose {parent} ({kind}); also named {', '.join(others)}",
                    None,
                )
            )
    return chosen, review


def _break_cycles(chosen: dict[str, tuple], max_depth: int) -> list:
    """Drop the weakest link of every cycle (and of chains deeper than ``max_depth``)."""
    review = []
    for start in sorted(chosen):
        path, node = [], start
        while node in chosen and node not in path and len(path) <= max_depth:
            path.append(node)
            node = chosen[node][0]
        if node in path or len(path) > max_depth:
            cycle = path[path.index(node) :] if node in path else path
            weakest = max(cycle, key=lambda c: (EVIDENCE_STRENGTH[chosen[c][1]], c))
            if chosen[weakest][1] == "steward":
                raise StewardConflictError(
                    f"steward set_parent overrides form a cycle: {' -> '.join(cycle)}"
                )
            parent, kind = chosen.pop(weakest)
            review.append(
                (weakest, "cycle_broken", f"dropped {weakest} -> {parent} ({kind}); cycle "
                 + " -> ".join(cycle), None)
            )  # fmt: skip
    return review


def _parent_suggestions(index: _NameIndex, chosen: dict[str, tuple], orphaned: set[str]) -> list:
    """Customers without a parent whose name extends another customer's name ('NOVA PACK
    KOELN' after 'NOVA PACK'). Only suggested: unrelated companies share names too often
    (about a third of these are wrong on the generated data), so a steward confirms each
    with a set_parent override."""
    known_parents = {parent for parent, _ in chosen.values()}
    suggestions = []
    for key in sorted(index.names_by_key.keys() - chosen.keys() - orphaned):
        candidates: set[str] = set()
        for name in index.names_by_key[key]:
            words = name.split()
            prefixes = (" ".join(words[:end]) for end in range(len(words) - 1, 1, -1))
            longest = next((p for p in prefixes if p in index.keys_by_name), None)
            if longest:
                candidates |= index.keys_by_name[longest] - {key}
        narrowed = sorted(candidates & known_parents) or sorted(candidates)
        if len(narrowed) == 1:
            suggestions.append(
                (
                    key,
                    "suggested_parent_by_name",
                    f"its name extends {narrowed[0]}'s: confirm with a set_parent override",
                    narrowed[0],
                )
            )
    return suggestions


def _ancestry(customer_keys: list[str], chosen: dict[str, tuple]) -> pl.DataFrame:
    rows = []
    for key in customer_keys:
        chain, node = [key], key
        while node in chosen:
            node = chosen[node][0]
            chain.append(node)
        rows.append(
            {
                "customer_key": key,
                "parent_key": chosen[key][0] if key in chosen else None,
                "parent_evidence": chosen[key][1] if key in chosen else None,
                "ultimate_parent_key": chain[-1],
                "depth": len(chain) - 1,
                "hierarchy_path": " > ".join(reversed(chain)),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "customer_key": pl.String,
            "parent_key": pl.String,
            "parent_evidence": pl.String,
            "ultimate_parent_key": pl.String,
            "depth": pl.Int32,
            "hierarchy_path": pl.String,
        },
    )


def hierarchy_bridge(customers: pl.DataFrame) -> pl.DataFrame:
    """Every (ancestor, descendant) pair including each customer with itself (levels 0).

    Joining a customer metric on ``customer_key`` and grouping by ``ancestor_key`` rolls it up
    to any level; ``levels_below`` picks direct children (1) or the whole group.
    """
    rows = []
    for key, path in customers.select("customer_key", "hierarchy_path").iter_rows():
        chain = path.split(" > ")
        rows.extend((ancestor, key, len(chain) - 1 - i) for i, ancestor in enumerate(chain))
    return pl.DataFrame(
        rows,
        schema={"ancestor_key": pl.String, "customer_key": pl.String, "levels_below": pl.Int32},
        orient="row",
    )


def resolve_hierarchy(
    records: pl.DataFrame,
    crosswalk: pl.DataFrame,
    overrides: tuple[StewardOverride, ...],
    settings: MdmSettings,
) -> Hierarchy:
    """Resolve each golden customer's parent and its place in its group.

    Parameters
    ----------
    records
        Source records: ``record_id``, ``source_system``, ``name``, ``country``,
        ``parent_customer_ref`` and ``parent_company_name``.
    crosswalk
        ``record_id`` -> ``customer_key``.
    overrides
        Steward overrides (only ``set_parent`` ones are used here).
    settings
        Standardization word lists and hierarchy settings.
    """
    key_of = dict(crosswalk.select("record_id", "customer_key").iter_rows())
    words = settings.standardization
    standardized = records.with_columns(
        company_name(pl.col("name"), words).alias("name_key"),
        company_name(pl.col("parent_company_name"), words).alias("parent_name_key"),
    )
    index = _name_index(standardized, key_of)
    steward, orphaned = _steward_evidence(overrides, key_of)
    erp, review = _erp_evidence(records, key_of)
    crm, crm_review = _crm_evidence(standardized, key_of, index, settings.hierarchy, steward + erp)
    evidence = steward + erp + crm
    chosen, choice_review = _choose_parents(evidence, orphaned)
    cycle_review = _break_cycles(chosen, settings.hierarchy.max_depth)
    suggestions = _parent_suggestions(index, chosen, orphaned)
    customers = _ancestry(sorted(set(key_of.values())), chosen)
    return Hierarchy(
        customers=customers,
        bridge=hierarchy_bridge(customers),
        review=pl.DataFrame(
            review + crm_review + choice_review + cycle_review + suggestions,
            schema=REVIEW_COLUMNS,
            orient="row",
        ).sort("customer_key", "issue"),
        evidence=pl.DataFrame(
            evidence,
            schema={
                "customer_key": pl.String,
                "parent_key": pl.String,
                "evidence": pl.String,
                "source": pl.String,
            },
            orient="row",
        ),
    )
