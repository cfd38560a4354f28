"""The marts' settings file becomes tables SQL models can read; a malformed one is refused."""

import datetime as dt

import pytest

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.mart_settings import load_mart_settings


def _load(tmp_path, text: str):
    path = tmp_path / "marts.yaml"
    path.write_text(text)
    return load_mart_settings(path)


def test_the_shipped_settings_load_as_one_row_tables():
    classification = load_mart_settings()["classification"].rows
    assert classification.height == 1
    assert classification["abc_a_cumulative_share"].item() == 0.80


def test_a_mapping_is_one_row_and_a_list_is_one_row_per_item(tmp_path):
    tables = _load(
        tmp_path,
        "rules:\n  cutoff: 1.5\n  label: fast\n  since: 2025-01-01\n"
        "bands:\n  - {band: light, max_kg: 50}\n  - {band: heavy, max_kg: 500}\n",
    )
    assert tables["rules"].rows.row(0) == (1.5, "fast", dt.date(2025, 1, 1))
    assert tables["bands"].rows.rows() == [("light", 50), ("heavy", 500)]


def test_a_list_item_may_leave_a_condition_null(tmp_path):
    rows = _load(tmp_path, "rules:\n  - {tier: A, min: 5}\n  - {tier: B, min: null}\n")["rules"]
    assert rows.rows.rows() == [("A", 5), ("B", None)]


def test_the_fingerprint_changes_with_the_content_only(tmp_path):
    first = _load(tmp_path, "rules:\n  cutoff: 1.5\n")["rules"].fingerprint
    same = _load(tmp_path, "# a comment\nrules: {cutoff: 1.5}\n")["rules"].fingerprint
    changed = _load(tmp_path, "rules:\n  cutoff: 1.6\n")["rules"].fingerprint
    assert first == same != changed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  cutoff: [1, 2]\n", "rules.cutoff: [1, 2] is not a number"),
        ("rules:\n  cutoff: null\n", "rules.cutoff: None is not a number"),
        ("rules: 3\n", "rules: expected a mapping"),
        ("bands:\n  - {band: a}\n  - {max_kg: 5}\n", "bands[1]: every item needs the keys"),
        ("rules:\n  Bad-Name: 1\n", "is not a valid identifier"),
        ("Bad-Section:\n  a: 1\n", "is not a valid identifier"),
    ],
)
def test_malformed_settings_name_the_file_and_the_entry(tmp_path, text, message):
    with pytest.raises(SegAssetsError) as raised:
        _load(tmp_path, text)
    assert message in str(raised.value)
    assert str(tmp_path / "marts.yaml") in str(raised.value)
