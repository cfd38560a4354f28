"""Steward overrides: the file, the constraints they become, their outcomes and audit rows."""

import datetime as dt
import textwrap
from pathlib import Path

import polars as pl
import pytest

from seg_assets.lib.mdm.overrides import (
    AUDIT_COLUMNS,
    StewardOverride,
    audit_rows,
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
    return StewardOverride(
        override_id=override_id,
        action=action,
        records=records,
        who="jane.doe@example.com",
        decided_on=dt.date(2026, 11, 2),
        why="Checked with the account manager.",
    )


def test_a_valid_file_is_parsed(tmp_path):
    overrides = load_overrides(write(tmp_path, VALID))
    assert overrides == (
        StewardOverride(
            "SO-0001",
            "force_match",
            ("erp:C000123", "crm:ACC-00042", "finance:F-000017"),
            "jane.doe@example.com",
            dt.date(2026, 11, 2),
            "Same company after the 2025 rebranding.",
        ),
        StewardOverride(
            "SO-0002",
            "force_split",
            ("erp:C000200", "erp:C000201"),
            "max.muster@example.com",
            dt.date(2026, 11, 3),
            "Two franchisees at one address.",
        ),
        StewardOverride(
            "SO-0003",
            "set_parent",
            ("erp:C000777", "erp:C000001"),
            "jane.doe@example.com",
            dt.date(2026, 11, 4),
            "Acquired in 2026.",
        ),
        StewardOverride(
            "SO-0004",
            "set_parent",
            ("crm:ACC-00100", None),
            "jane.doe@example.com",
            dt.date(2026, 11, 5),
            "Management buy-out; independent since.",
        ),
    )


def test_the_shipped_file_has_no_overrides_and_a_missing_file_means_none(tmp_path):
    assert load_overrides(default_overrides_path()) == ()
    assert load_overrides(tmp_path / "absent.yaml") == ()
    assert load_overrides(write(tmp_path, "")) == ()


ENTRY = """\
overrides:
  - id: SO-0009
    action: force_match
    records: [erp:C1, crm:A1]
    who: jane.doe@example.com
    when: 2026-11-02
    why: Same company.
"""


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("    who: jane.doe@example.com\n", "", "who missing; every decision needs them"),
        ("    when: 2026-11-02\n", "", "when missing"),
        ("    why: Same company.\n", "    why: '  '\n", "why missing"),
        ("  - id: SO-0009\n", "  - id: ''\n", "(no id): id missing"),
        ("action: force_match", "action: merge", "action 'merge' is not one of"),
        ("[erp:C1, crm:A1]", "[erp:C1]", "force_match needs at least two distinct records"),
        ("[erp:C1, crm:A1]", "[erp:C1, erp:C1]", "needs at least two distinct records"),
        ("[erp:C1, crm:A1]", "[erp:C1, A1]", "record 'A1' must be written <system>:<id>"),
        ("when: 2026-11-02", "when: last tuesday", "when 'last tuesday' is not a date"),
    ],
    ids=[
        "no_who",
        "no_when",
        "blank_why",
        "no_id",
        "unknown_action",
        "one_record",
        "same_record_twice",
        "record_without_system",
        "when_not_a_date",
    ],
)
def test_a_broken_override_names_the_file_and_the_entry(tmp_path, old, new, says):
    assert old in ENTRY
    path = write(tmp_path, ENTRY.replace(old, new))
    with pytest.raises(MdmConfigError) as raised:
        load_overrides(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: overrides[0] (")
    assert says in message


def test_set_parent_needs_a_child_in_system_id_form(tmp_path):
    text = ENTRY.replace("action: force_match", "action: set_parent").replace(
        "    records: [erp:C1, crm:A1]\n", "    parent: erp:C1\n"
    )
    with pytest.raises(MdmConfigError, match="set_parent needs a child record"):
        load_overrides(write(tmp_path, text))
    with pytest.raises(MdmConfigError, match=r"record 'C7' must be written <system>:<id>"):
        load_overrides(write(tmp_path, text.replace("parent: erp:C1", "child: C7")))


def test_an_override_that_is_not_a_mapping_is_refused(tmp_path):
    with pytest.raises(MdmConfigError, match=r"overrides\[1\]: an override is a mapping"):
        load_overrides(write(tmp_path, ENTRY + "  - just a sentence\n"))


def test_duplicate_ids_are_refused(tmp_path):
    twice = ENTRY + ENTRY.removeprefix("overrides:\n")
    with pytest.raises(MdmConfigError, match="override id SO-0009 is used twice"):
        load_overrides(write(tmp_path, twice))


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
