"""Parent-subsidiary hierarchy of golden customers from ERP IDs, CRM names and stewards."""

import datetime as dt

import polars as pl
import pytest

from seg_assets.lib.mdm.hierarchy import Hierarchy, hierarchy_bridge, resolve_hierarchy
from seg_assets.lib.mdm.overrides import StewardConflictError, StewardOverride
from seg_assets.lib.mdm.settings import load_mdm_settings

SETTINGS = load_mdm_settings()


def record(
    record_id: str,
    name: str,
    country: str = "DE",
    parent_id: str | None = None,
    parent_name: str | None = None,
) -> tuple:
    return (record_id, record_id.split(":")[0], name, country, parent_id, parent_name)


def resolve(
    rows: list[tuple],
    customer_of: dict[str, str] | None = None,
    overrides: tuple[StewardOverride, ...] = (),
    settings=SETTINGS,
) -> Hierarchy:
    """Resolve ``rows``; each record is its own customer unless ``customer_of`` says otherwise."""
    records = pl.DataFrame(
        rows,
        schema=dict.fromkeys(
            [
                "record_id",
                "source_system",
                "name",
                "country",
                "parent_customer_ref",
                "parent_company_name",
            ],
            pl.String,
        ),
        orient="row",
    )
    customer_of = customer_of or {}
    crosswalk = records.select(
        "record_id",
        pl.col("record_id").replace(customer_of).alias("customer_key"),
    )
    return resolve_hierarchy(records, crosswalk, overrides, settings)


def parents(hierarchy: Hierarchy) -> dict[str, tuple[str | None, str | None]]:
    return {
        key: (parent, evidence)
        for key, parent, evidence in hierarchy.customers.select(
            "customer_key", "parent_key", "parent_evidence"
        ).iter_rows()
    }


SUGGESTION = "suggested_parent_by_name"


def findings(hierarchy: Hierarchy) -> pl.DataFrame:
    """Review rows that report a problem (name-based parent suggestions are tested apart)."""
    return hierarchy.review.filter(pl.col("issue") != SUGGESTION)


def review(hierarchy: Hierarchy) -> list[tuple[str, str]]:
    return findings(hierarchy).select("customer_key", "issue").rows()


def review_details(hierarchy: Hierarchy) -> list[tuple[str, str, str]]:
    return findings(hierarchy).select("customer_key", "issue", "detail").rows()


def set_parent(override_id: str, child: str, parent: str | None) -> StewardOverride:
    return StewardOverride(
        id=override_id,
        action="set_parent",
        child=child,
        parent=parent,
        who="jane.doe",
        when=dt.date(2026, 11, 2),
        why="Checked.",
    )


def test_erp_parent_id_is_evidence_for_the_childs_customer():
    hierarchy = resolve(
        [
            record("erp:C000001", "Nova Holding AG"),
            record("erp:C000002", "Nova Logistik GmbH", parent_id=" c000001 "),
            record("crm:ACC-2", "Nova Logistik"),
            record("erp:C000003", "Solo GmbH", parent_id="C999999"),
        ],
        customer_of={"crm:ACC-2": "erp:C000002"},
    )
    assert parents(hierarchy) == {
        "erp:C000001": (None, None),
        "erp:C000002": ("erp:C000001", "erp_parent_id"),
        "erp:C000003": (None, None),
    }
    assert review_details(hierarchy) == [
        ("erp:C000003", "unknown_parent_id", "erp:C000003 names parent C999999")
    ]
    assert hierarchy.evidence.rows() == [
        ("erp:C000002", "erp:C000001", "erp_parent_id", "erp:C000002")
    ]


def test_crm_parent_name_exact_and_abbreviated():
    hierarchy = resolve(
        [
            record("erp:C000001", "Nova Logistik GmbH"),
            record("crm:ACC-1", "Nova Logistik Berlin", parent_name="Nova Logistik G.m.b.H."),
            record("crm:ACC-2", "Nova Logistik Hamburg", parent_name="NOVA LOG"),
        ]
    )
    assert parents(hierarchy) == {
        "erp:C000001": (None, None),
        "crm:ACC-1": ("erp:C000001", "crm_parent_name"),
        "crm:ACC-2": ("erp:C000001", "crm_parent_name"),
    }
    assert review(hierarchy) == []


AMBIGUOUS = [
    record("erp:C000010", "Alpen Handel GmbH", country="AT"),
    record("erp:C000011", "Alpen Handel GmbH", country="DE"),
    record("crm:ACC-1", "Alpen Handel Rosenheim", country="DE", parent_name="Alpen Handel"),
    record("crm:ACC-2", "Alpen Handel Zuerich", country="CH", parent_name="Alpen Handel"),
]


def test_an_ambiguous_parent_name_is_narrowed_to_the_childs_country_else_reported():
    hierarchy = resolve(AMBIGUOUS)
    assert parents(hierarchy)["crm:ACC-1"] == ("erp:C000011", "crm_parent_name")
    assert parents(hierarchy)["crm:ACC-2"] == (None, None)
    assert review_details(hierarchy) == [
        (
            "crm:ACC-2",
            "ambiguous_parent_name",
            "crm:ACC-2 names parent 'Alpen Handel'; candidates erp:C000010, erp:C000011",
        )
    ]


def test_an_ambiguous_parent_name_prefers_a_customer_already_a_parent_by_stronger_evidence():
    hierarchy = resolve(
        [*AMBIGUOUS, record("erp:C000012", "Alpen Handel Wien Sued", "AT", parent_id="C000010")]
    )
    # The Austrian candidate is a parent through an ERP ID: it wins over the country rule,
    # and resolves the Swiss child too.
    assert parents(hierarchy)["crm:ACC-1"] == ("erp:C000010", "crm_parent_name")
    assert parents(hierarchy)["crm:ACC-2"] == ("erp:C000010", "crm_parent_name")
    assert review(hierarchy) == []


def test_ambiguous_parent_names_stay_unresolved_when_the_setting_is_off():
    hierarchy = SETTINGS.hierarchy.model_copy(update={"resolve_ambiguous_parent_names": False})
    settings = SETTINGS.model_copy(update={"hierarchy": hierarchy})
    hierarchy = resolve(AMBIGUOUS, settings=settings)
    assert parents(hierarchy)["crm:ACC-1"] == (None, None)
    assert review(hierarchy) == [
        ("crm:ACC-1", "ambiguous_parent_name"),
        ("crm:ACC-2", "ambiguous_parent_name"),
    ]


def test_an_unknown_parent_name_is_reported():
    hierarchy = resolve(
        [record("erp:C1", "Nova Logistik GmbH"), record("crm:A1", "Nova", parent_name="Zeta AG")]
    )
    assert parents(hierarchy)["crm:A1"] == (None, None)
    assert review_details(hierarchy) == [
        ("crm:A1", "unknown_parent_name", "crm:A1 names parent 'Zeta AG'")
    ]


def test_a_customer_naming_itself_as_parent_gets_no_parent():
    hierarchy = resolve(
        [
            record("erp:C000001", "Nova Logistik GmbH", parent_id="C000001"),
            record("crm:ACC-1", "Nova Logistik", parent_name="Nova Logistik GmbH"),
        ],
        customer_of={"crm:ACC-1": "erp:C000001"},
    )
    assert parents(hierarchy) == {"erp:C000001": (None, None)}
    assert hierarchy.evidence.is_empty()


GROUP = [
    record("erp:C000001", "Nova Holding AG"),
    record("erp:C000002", "Nova Logistik GmbH", parent_id="C000001"),
    record("erp:C000003", "Zeta Handel GmbH"),
    record("erp:C000004", "Nova Pack GmbH", parent_id="C000001"),
]


def test_a_steward_set_parent_beats_the_erp_and_the_other_parent_is_reported():
    hierarchy = resolve(GROUP, overrides=(set_parent("SO-1", "erp:C000002", "erp:C000003"),))
    assert parents(hierarchy)["erp:C000002"] == ("erp:C000003", "steward")
    assert review_details(hierarchy) == [
        (
            "erp:C000002",
            "conflicting_parents",
            "chose erp:C000003 (steward); also named erp:C000001",
        )
    ]


def test_a_steward_parent_null_removes_a_parent_and_unknown_records_are_skipped():
    overrides = (
        set_parent("SO-1", "erp:C000004", None),
        set_parent("SO-2", "erp:C000002", "erp:GONE"),  # reported by the audit, not here
        set_parent("SO-3", "erp:GONE", "erp:C000003"),
    )
    hierarchy = resolve(GROUP, overrides=overrides)
    assert parents(hierarchy)["erp:C000004"] == (None, None)
    assert parents(hierarchy)["erp:C000002"] == ("erp:C000001", "erp_parent_id")


def test_a_steward_set_parent_within_one_customer_does_not_break_the_hierarchy():
    hierarchy = resolve(
        [record("erp:C000001", "Nova GmbH"), record("crm:ACC-1", "Nova")],
        customer_of={"crm:ACC-1": "erp:C000001"},
        overrides=(set_parent("SO-1", "crm:ACC-1", "erp:C000001"),),
    )
    assert parents(hierarchy) == {"erp:C000001": (None, None)}


def test_a_crm_name_of_a_sites_group_resolves_to_the_member_the_sites_name_extends():
    hierarchy = resolve(
        [
            record("erp:C000001", "Nova Pack Holding"),
            record("erp:C000002", "Nova Pack DE GmbH", parent_id="C000001"),
            record("erp:C000003", "Nova Pack AT GmbH", "AT", parent_id="C000001"),
            record("crm:ACC-1", "Nova Pack DE Köln", parent_name="Nova Pack Holding"),
            record("crm:ACC-2", "Nova Pack Outlet", parent_name="Nova Pack Holding"),
        ]
    )
    assert parents(hierarchy)["crm:ACC-1"] == ("erp:C000002", "crm_parent_name")
    # No member's name starts the outlet's: it stays with the group it named.
    assert parents(hierarchy)["crm:ACC-2"] == ("erp:C000001", "crm_parent_name")


def test_a_cycle_from_conflicting_evidence_is_broken_at_the_weakest_link():
    hierarchy = resolve(
        [
            record("erp:C000001", "Nova Holding AG", parent_id="C000002"),
            record("erp:C000002", "Nova Logistik GmbH"),
            record("crm:ACC-2", "Nova Logistik", parent_name="Nova Holding"),
        ],
        customer_of={"crm:ACC-2": "erp:C000002"},
    )
    # ERP: C1 -> C2; CRM: C2 -> C1. The CRM name is the weaker evidence: it goes.
    assert parents(hierarchy) == {
        "erp:C000001": ("erp:C000002", "erp_parent_id"),
        "erp:C000002": (None, None),
    }
    assert review_details(hierarchy) == [
        (
            "erp:C000002",
            "cycle_broken",
            "dropped erp:C000002 -> erp:C000001 (crm_parent_name); cycle "
            "erp:C000001 -> erp:C000002",
        )
    ]


def test_steward_set_parents_that_form_a_cycle_are_refused():
    overrides = (
        set_parent("SO-1", "erp:C000002", "erp:C000003"),
        set_parent("SO-2", "erp:C000003", "erp:C000002"),
    )
    with pytest.raises(StewardConflictError, match="steward set_parent overrides form a cycle"):
        resolve(GROUP, overrides=overrides)


def test_a_chain_deeper_than_max_depth_is_cut():
    hierarchy = SETTINGS.hierarchy.model_copy(update={"max_depth": 2})
    settings = SETTINGS.model_copy(update={"hierarchy": hierarchy})
    chain = [
        record("erp:C1", "One"),
        record("erp:C2", "Two", parent_id="C1"),
        record("erp:C3", "Three", parent_id="C2"),
        record("erp:C4", "Four", parent_id="C3"),
    ]
    assert resolve(chain[:3], settings=settings).customers["depth"].max() == 2
    hierarchy = resolve(chain, settings=settings)
    assert hierarchy.customers["depth"].max() <= 2
    assert review(hierarchy) == [("erp:C4", "cycle_broken")]


def test_ultimate_parent_depth_and_path():
    hierarchy = resolve(
        [
            record("erp:C1", "Nova Holding AG"),
            record("erp:C2", "Nova Logistik GmbH", parent_id="C1"),
            record("erp:C3", "Nova Logistik Nord GmbH", parent_id="C2"),
            record("erp:C4", "Solo GmbH"),
        ]
    )
    assert hierarchy.customers.sort("customer_key").rows() == [
        ("erp:C1", None, None, "erp:C1", 0, "erp:C1"),
        ("erp:C2", "erp:C1", "erp_parent_id", "erp:C1", 1, "erp:C1 > erp:C2"),
        ("erp:C3", "erp:C2", "erp_parent_id", "erp:C1", 2, "erp:C1 > erp:C2 > erp:C3"),
        ("erp:C4", None, None, "erp:C4", 0, "erp:C4"),
    ]
    assert hierarchy.customers.columns == [
        "customer_key",
        "parent_key",
        "parent_evidence",
        "ultimate_parent_key",
        "depth",
        "hierarchy_path",
    ]
    assert hierarchy.bridge.equals(hierarchy_bridge(hierarchy.customers))


def test_hierarchy_bridge_rows_including_self_rows():
    customers = pl.DataFrame(
        {
            "customer_key": ["erp:C1", "erp:C2", "erp:C3", "erp:C4"],
            "hierarchy_path": ["erp:C1", "erp:C1 > erp:C2", "erp:C1 > erp:C2 > erp:C3", "erp:C4"],
        }
    )
    bridge = hierarchy_bridge(customers)
    assert bridge.schema == pl.Schema(
        {"ancestor_key": pl.String, "customer_key": pl.String, "levels_below": pl.Int32}
    )
    assert sorted(bridge.rows()) == [
        ("erp:C1", "erp:C1", 0),
        ("erp:C1", "erp:C2", 1),
        ("erp:C1", "erp:C3", 2),
        ("erp:C2", "erp:C2", 0),
        ("erp:C2", "erp:C3", 1),
        ("erp:C3", "erp:C3", 0),
        ("erp:C4", "erp:C4", 0),
    ]
    # Rolling a metric up: the group total of C1 counts each of its customers once.
    revenue = pl.DataFrame(
        {"customer_key": ["erp:C1", "erp:C2", "erp:C3"], "revenue": [1, 10, 100]}
    )
    rolled = bridge.join(revenue, on="customer_key").group_by("ancestor_key").agg(pl.sum("revenue"))
    assert dict(rolled.iter_rows()) == {"erp:C1": 111, "erp:C2": 110, "erp:C3": 100}


def test_a_customer_whose_name_extends_anothers_is_only_suggested_a_parent():
    hierarchy = resolve(
        [
            record("erp:C000001", "Nova Pack GmbH"),
            record("crm:ACC-1", "Nova Pack Köln"),
            record("crm:ACC-2", "Nova Pack Berlin", parent_name="Zeta AG"),
            record("erp:C000009", "Zeta AG"),
        ]
    )
    suggestions = hierarchy.review.filter(pl.col("issue") == SUGGESTION)
    assert suggestions.select("customer_key", "suggested_parent_key").rows() == [
        ("crm:ACC-1", "erp:C000001")
    ]
    assert parents(hierarchy)["crm:ACC-1"] == (None, None)
    assert parents(hierarchy)["crm:ACC-2"] == ("erp:C000009", "crm_parent_name")
