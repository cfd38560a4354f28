"""Steward overrides: the file, the constraints they become, their outcomes and audit rows."""

import datetime as dt
import textwrap
from pathlib import Path

import polars as pl
import pytest
from config_problems import assert_listed_at_once, assert_names

from seg_assets.lib.mdm.overrides import (
    AUDIT_COLUMNS,
    StewardOverride,
    audit_rows,
    customer_record_systems,
    default_overrides_path,
    load_overrides,
    match_constraints,
    match_outcomes,
)
from seg_assets.lib.mdm.settings import MdmConfigError

VALID = """\
overrides:
  - id: SO-0001
    action: force_match
    records: [erp:C000123, crm:ACC-00042, finance:F-000017]
    who: jane.doe@example.com
    when: 2026-11-02
    why: Same company after the 2025 rebranding.
  - id: SO-0002
    action: force_split
    records: [" erp:C000200 ", erp:C000201]
    who: max.muster@example.com
    when: "2026-11-03"
    why: Two franchisees at one address.
  - id: SO-0003
    action: set_parent
    child: erp:C000777
    parent: erp:C000001
    who: jane.doe@example.com
    when: 2026-11-04
    why: Acquired in 2026.
  - id: SO-0004
    action: set_parent
    child: crm:ACC-00100
    parent: null
    who: jane.doe@example.com
    when: 2026-11-05
    why: Management buy-out; independent since.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mdm_overrides.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def decision(override_id: str, action: str, *records: str | None) -> StewardOverride:
    """A decision naming ``records`` (for set_parent: child, then parent)."""
    named = (
        {"child": records[0], "parent": records[1]}
        if action == "set_parent"
        else {"records": records}
    )
    return StewardOverride(
        id=override_id,
        action=action,
        **named,
        who="jane.doe@example.com",
        when=dt.date(2026, 11, 2),
        why="Checked with the account manager.",
    )


def test_a_valid_file_is_parsed(tmp_path):
    overrides = load_overrides(write(tmp_path, VALID))
    assert overrides == (
        StewardOverride(
            id="SO-0001",
            action="force_match",
            records=("erp:C000123", "crm:ACC-00042", "finance:F-000017"),
            who="jane.doe@example.com",
            when=dt.date(2026, 11, 2),
            why="Same company after the 2025 rebranding.",
        ),
        StewardOverride(
            id="SO-0002",
            action="force_split",
            records=("erp:C000200", "erp:C000201"),
            who="max.muster@example.com",
            when=dt.date(2026, 11, 3),
            why="Two franchisees at one address.",
        ),
        StewardOverride(
            id="SO-0003",
            action="set_parent",
            child="erp:C000777",
            parent="erp:C000001",
            who="jane.doe@example.com",
            when=dt.date(2026, 11, 4),
            why="Acquired in 2026.",
        ),
        StewardOverride(
            id="SO-0004",
            action="set_parent",
            child="crm:ACC-00100",
            parent=None,
            who="jane.doe@example.com",
            when=dt.date(2026, 11, 5),
            why="Management buy-out; independent since.",
        ),
    )
    assert [o.override_id for o in overrides] == ["SO-0001", "SO-0002", "SO-0003", "SO-0004"]
    assert overrides[2].records == ("erp:C000777", "erp:C000001")
    assert overrides[3].records == ("crm:ACC-00100", None)
    assert overrides[1].decided_on == dt.date(2026, 11, 3)


def test_the_shipped_file_has_no_overrides_and_a_missing_file_means_none(tmp_path):
    assert load_overrides(default_overrides_path()) == ()
    assert load_overrides() == ()
    assert load_overrides(tmp_path / "absent.yaml") == ()
    assert load_overrides(write(tmp_path, "")) == ()
    assert load_overrides(write(tmp_path, "overrides:\n")) == ()


def test_records_are_of_the_systems_whose_customers_are_matched():
    # The sources the customer-record model reads, by their system in config/sources.yaml.
    assert customer_record_systems() == ("crm", "erp", "finance")


ENTRY = """\
overrides:
  - id: SO-0009
    action: force_match
    records: [erp:C1, crm:A1]
    who: jane.doe@example.com
    when: 2026-11-02
    why: Same company.
"""
PARENT = """\
  - id: SO-0010
    action: set_parent
    child: erp:C7
    parent: erp:C1
    who: jane.doe@example.com
    when: 2026-11-03
    why: Acquired.
"""


def parent_decision(override_id: str, child: str, parent: str) -> str:
    return (
        PARENT.replace("SO-0010", override_id)
        .replace("child: erp:C7", f"child: {child}")
        .replace("parent: erp:C1", f"parent: {parent}")
    )


BROKEN = [
    pytest.param(ENTRY, "    who: jane.doe@example.com\n", "", 2, "overrides[0].who", "required",
                 id="no-who"),
    pytest.param(ENTRY, "    when: 2026-11-02\n", "", 2, "overrides[0].when", "required",
                 id="no-when"),
    pytest.param(ENTRY, "    why: Same company.\n", "    why: '  '\n", 7, "overrides[0].why",
                 "must not be empty: every decision says who took it, when and why",
                 id="blank-why"),
    pytest.param(ENTRY, "  - id: SO-0009\n", "  - id: ''\n", 2, "overrides[0].id",
                 "must not be empty", id="blank-id"),
    pytest.param(ENTRY, "  - id: SO-0009\n", "  - id: 9\n", 2, "overrides[0].id",
                 "should be a valid string (got 9)", id="id-not-text"),
    pytest.param(ENTRY, "action: force_match", "action: merge", 3, "overrides[0].action",
                 "should be 'force_match', 'force_split' or 'set_parent' (got 'merge')",
                 id="unknown-action"),
    pytest.param(ENTRY, "    why: Same company.\n", "    wyh: Same company.\n", 7,
                 "overrides[0].wyh", "unknown key; did you mean why?", id="unknown-key"),
    pytest.param(ENTRY, "[erp:C1, crm:A1]", "[erp:C1]", 4, "overrides[0].records",
                 "force_match needs at least two distinct records", id="one-record"),
    pytest.param(ENTRY, "[erp:C1, crm:A1]", "[erp:C1, erp:C1]", 4, "overrides[0].records",
                 "needs at least two distinct records", id="same-record-twice"),
    pytest.param(ENTRY, "[erp:C1, crm:A1]", "[erp:C1, A1]", 4, "overrides[0].records[1]",
                 "'A1' must be written <system>:<id>, e.g. erp:C000123",
                 id="record-without-system"),
    pytest.param(ENTRY, "[erp:C1, crm:A1]", "[erp:C1, wms:A1]", 4, "overrides[0].records[1]",
                 "'wms' is not a system whose customer records are matched; expected one of crm",
                 id="record-of-a-system-without-customers"),
    pytest.param(ENTRY, "[erp:C1, crm:A1]", "[erp:C1, cmr:A1]", 4, "overrides[0].records[1]",
                 "did you mean crm?", id="system-typo"),
    pytest.param(ENTRY, "when: 2026-11-02", "when: last tuesday", 6, "overrides[0].when",
                 "'last tuesday' is not a date (YYYY-MM-DD)", id="when-not-a-date"),
    pytest.param(ENTRY, "    records: [erp:C1, crm:A1]\n",
                 "    records: [erp:C1, crm:A1]\n    child: erp:C1\n", 5, "overrides[0].child",
                 "force_match names records, not child", id="match-with-child"),
    pytest.param(ENTRY + PARENT, "    child: erp:C7\n", "    parent: erp:C1\n", 11,
                 "overrides[1].parent", "duplicate key", id="set-parent-duplicate-key"),
    pytest.param(ENTRY + PARENT, "    child: erp:C7\n", "", 8, "overrides[1].child",
                 "set_parent needs a child record", id="set-parent-without-child"),
    pytest.param(ENTRY + PARENT, "    parent: erp:C1\n", "    parent: erp:C7\n", 11,
                 "overrides[1].parent", "a record cannot be its own parent", id="own-parent"),
    pytest.param(ENTRY + PARENT, "    child: erp:C7\n", "    records: [erp:C7, erp:C1]\n", 10,
                 "overrides[1].records", "set_parent names child and parent, not records",
                 id="set-parent-with-records"),
    pytest.param(ENTRY + ENTRY.removeprefix("overrides:\n"), "", "", 8, "overrides[1].id",
                 "id SO-0009 is already used by overrides[0]", id="id-used-twice"),
    pytest.param(ENTRY + PARENT + parent_decision("SO-0011", "erp:C7", "crm:A3"), "", "", 17,
                 "overrides[2].child", "erp:C7 already gets its parent from SO-0010",
                 id="two-parents-for-one-child"),
    pytest.param(ENTRY + PARENT + parent_decision("SO-0011", "erp:C1", "erp:C7"), "", "", 18,
                 "overrides[2].parent", "set_parent decisions form a cycle:"
                 " erp:C1 -> erp:C7 -> erp:C1", id="parent-cycle"),
    pytest.param(
        ENTRY + ENTRY.removeprefix("overrides:\n").replace("SO-0009", "SO-0012")
        .replace("action: force_match", "action: force_split"),
        "", "", 10, "overrides[1].records",
        "splits erp:C1 and crm:A1, which force_match decisions join", id="split-what-is-matched",
    ),
    pytest.param(ENTRY + "  - just a sentence\n", "", "", 8, "overrides[1]",
                 "an override is a mapping with id, action", id="entry-not-a-mapping"),
    pytest.param(ENTRY, "overrides:", "overides:", 1, "overides",
                 "unknown key; did you mean overrides?", id="unknown-top-level-key"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "old", "new", "line", "entry", "says"), BROKEN)
def test_a_broken_override_names_the_file_the_entry_and_its_line(
    tmp_path, text, old, new, line, entry, says
):
    assert old in text
    path = write(tmp_path, text.replace(old, new))
    with pytest.raises(MdmConfigError) as raised:
        load_overrides(path)
    assert_names(raised.value, path, line, entry, says)


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, ENTRY.replace("[erp:C1, crm:A1]", "[erp:C1, crm:A1"))
    with pytest.raises(MdmConfigError, match=rf"^{path}: line \d+, column \d+: invalid YAML: "):
        load_overrides(path)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    second = ENTRY.removeprefix("overrides:\n").replace("force_match", "merge")
    text = ENTRY.replace("    who: jane.doe@example.com\n", "") + second.replace("crm:", "wms:")
    path = write(tmp_path, text)
    with pytest.raises(MdmConfigError) as raised:
        load_overrides(path)
    entries = ["overrides[0].who", "overrides[1].action", "overrides[1].records[1]"]
    assert_listed_at_once(raised.value, path, entries)


KNOWN = {"erp:C1", "crm:A1", "finance:F1", "erp:C2", "erp:C3", "crm:A3"}


def test_match_constraints_from_applicable_overrides():
    overrides = [
        decision("SO-1", "force_match", "erp:C1", "crm:A1", "finance:F1"),
        decision("SO-2", "force_split", "erp:C2", "erp:C3", "crm:A3"),
        decision("SO-3", "set_parent", "erp:C2", "erp:C1"),  # not a match constraint
        decision("SO-4", "force_match", "erp:C1", "crm:GONE"),
        decision("SO-5", "force_split", "erp:OLD", "crm:GONE", "erp:C2"),
    ]
    constraints = match_constraints(overrides, KNOWN)
    assert constraints.must_link == (("erp:C1", "crm:A1"), ("erp:C1", "finance:F1"))
    assert constraints.cannot_link == (
        ("erp:C2", "erp:C3"),
        ("erp:C2", "crm:A3"),
        ("erp:C3", "crm:A3"),
    )
    # Overrides naming records this run does not have are reported, not applied.
    assert constraints.unknown_records == {"SO-4": ("crm:GONE",), "SO-5": ("erp:OLD", "crm:GONE")}


def assignment(groups: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(record, anchor) for anchor, records in groups.items() for record in records]
    return pl.DataFrame(rows, schema=["record_id", "anchor_record_id"], orient="row")


def test_match_outcomes_for_each_case():
    overrides = [
        decision("SO-1", "force_match", "crm:A1", "erp:C1"),  # the model agreed
        decision("SO-2", "force_match", "crm:A3", "erp:C3"),  # the steward joined them
        decision("SO-3", "force_split", "erp:C1", "finance:F1"),  # the model had joined them
        decision("SO-4", "force_split", "erp:C2", "erp:C3"),  # the model agreed
        decision("SO-5", "force_match", "erp:C1", "crm:GONE"),
        decision("SO-6", "set_parent", "erp:C2", "erp:C1"),  # not a match decision
    ]
    constraints = match_constraints(overrides, KNOWN)
    model_only = assignment(
        {"erp:C1": ["erp:C1", "crm:A1", "finance:F1"], "erp:C2": ["erp:C2"],
         "erp:C3": ["erp:C3"], "crm:A3": ["crm:A3"]}
    )  # fmt: skip
    with_overrides = assignment(
        {"erp:C1": ["erp:C1", "crm:A1"], "finance:F1": ["finance:F1"], "erp:C2": ["erp:C2"],
         "erp:C3": ["erp:C3", "crm:A3"]}
    )  # fmt: skip
    assert match_outcomes(overrides, constraints, with_overrides, model_only) == {
        "SO-1": "applied; the model had matched them too",
        "SO-2": "applied: joined into erp:C3",
        "SO-3": "applied: split records the model had matched",
        "SO-4": "applied; the model had kept them apart too",
        "SO-5": "not applied: crm:GONE not among this run's records",
    }


def test_a_force_split_of_three_records_reports_a_partial_model_match():
    overrides = [decision("SO-1", "force_split", "erp:C1", "erp:C2", "erp:C3")]
    constraints = match_constraints(overrides, {"erp:C1", "erp:C2", "erp:C3"})
    model_only = assignment({"erp:C1": ["erp:C1", "erp:C2"], "erp:C3": ["erp:C3"]})
    with_overrides = assignment({"erp:C1": ["erp:C1"], "erp:C2": ["erp:C2"], "erp:C3": ["erp:C3"]})
    outcomes = match_outcomes(overrides, constraints, with_overrides, model_only)
    assert outcomes == {"SO-1": "applied: split records the model had matched"}


def test_audit_rows(tmp_path):
    overrides = load_overrides(write(tmp_path, VALID))
    rows = audit_rows(overrides, {"SO-0001": "applied: joined into erp:C000123"})
    assert rows.schema == pl.Schema(AUDIT_COLUMNS)
    assert rows.select("override_id", "action", "records", "outcome").rows() == [
        (
            "SO-0001",
            "force_match",
            "erp:C000123, crm:ACC-00042, finance:F-000017",
            "applied: joined into erp:C000123",
        ),
        ("SO-0002", "force_split", "erp:C000200, erp:C000201", "not applied"),
        ("SO-0003", "set_parent", "erp:C000777 -> erp:C000001", "not applied"),
        ("SO-0004", "set_parent", "crm:ACC-00100 -> (no parent)", "not applied"),
    ]
    assert rows.row(0, named=True)["who"] == "jane.doe@example.com"
    assert rows["decided_on"].to_list()[-1] == dt.date(2026, 11, 5)
    assert audit_rows((), {}).is_empty()


def test_a_when_written_with_a_time_is_a_date_or_refused_at_load(tmp_path):
    path = write(tmp_path, ENTRY.replace("when: 2026-11-02", "when: 2026-11-02 10:30:00"))
    try:
        overrides = load_overrides(path)
    except MdmConfigError as error:
        assert str(path) in str(error)
        return
    assert type(overrides[0].decided_on) is dt.date
    assert audit_rows(overrides, {})["decided_on"].to_list() == [dt.date(2026, 11, 2)]
