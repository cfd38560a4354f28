"""Warehouse steps of master data: tables replaced and read back, the steward audit appended."""

import datetime as dt

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.mdm.overrides import StewardOverride
from seg_assets.lib.mdm.resolution import MDM_SCHEMA, append_audit, crosswalk_from_clusters
from seg_assets.lib.warehouse import read_table, replace_tables


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


PAIRS = pl.DataFrame(
    {
        "record_id_l": ["crm:A1", "crm:A2"],
        "record_id_r": ["erp:C1", "erp:C2"],
        "match_probability": [0.97, 1.0],
        "match_rule": ["probabilistic", "same_tax_id"],
        "gamma_name": pl.Series([3, None], dtype=pl.Int8),
    }
)
EMPTY = pl.DataFrame(
    schema={
        "customer_key": pl.String,
        "issue": pl.String,
        "depth": pl.Int32,
        "decided_on": pl.Date,
    }
)


def test_replace_tables_and_read_table_round_trip(con):
    replace_tables(con, MDM_SCHEMA, {"customer_match_pairs": PAIRS, "hierarchy_review": EMPTY})
    assert_frame_equal(read_table(con, MDM_SCHEMA, "customer_match_pairs"), PAIRS)
    read_back = read_table(con, MDM_SCHEMA, "hierarchy_review")
    assert read_back.is_empty()
    assert read_back.schema == EMPTY.schema


def test_replace_tables_replaces_rather_than_appends(con):
    replace_tables(con, MDM_SCHEMA, {"customer_match_pairs": PAIRS})
    replace_tables(con, MDM_SCHEMA, {"customer_match_pairs": PAIRS.head(1).drop("gamma_name")})
    assert_frame_equal(
        read_table(con, MDM_SCHEMA, "customer_match_pairs"), PAIRS.head(1).drop("gamma_name")
    )


def test_replace_tables_writes_all_or_nothing(con):
    replace_tables(con, MDM_SCHEMA, {"crosswalk": PAIRS})
    # The second table's name is refused after the first was replaced: both roll back.
    with pytest.raises(SegAssetsError, match="not a valid identifier"):
        replace_tables(con, MDM_SCHEMA, {"crosswalk": EMPTY, "bad name; drop": EMPTY})
    assert_frame_equal(read_table(con, MDM_SCHEMA, "crosswalk"), PAIRS)


def test_crosswalk_from_clusters():
    records = pl.DataFrame(
        {
            "record_id": ["erp:C1", "crm:A1", "crm:A2"],
            "source_system": ["erp", "crm", "crm"],
            "source_id": ["C1", "A1", "A2"],
            "name": ["x", "y", "z"],
        }
    )
    assignment = pl.DataFrame(
        {
            "record_id": ["erp:C1", "crm:A1", "crm:A2"],
            "anchor_record_id": ["erp:C1", "erp:C1", "crm:A2"],
            "match_rule": ["probabilistic", "probabilistic", "unmatched"],
            "match_probability": [0.97, 0.97, None],
        }
    )
    assert crosswalk_from_clusters(records, assignment).rows() == [
        ("crm", "A1", "crm:A1", "erp:C1", "probabilistic", 0.97, 2),
        ("crm", "A2", "crm:A2", "crm:A2", "unmatched", None, 1),
        ("erp", "C1", "erp:C1", "erp:C1", "probabilistic", 0.97, 2),
    ]


OVERRIDES = (
    StewardOverride(
        id="SO-1",
        action="force_match",
        records=("erp:C1", "crm:A1"),
        who="jane",
        when=dt.date(2026, 11, 2),
        why="Same.",
    ),
    StewardOverride(
        id="SO-2",
        action="set_parent",
        child="erp:C2",
        parent=None,
        who="max",
        when=dt.date(2026, 11, 3),
        why="Independent.",
    ),
)


def test_append_audit_keeps_the_history_of_every_run(con):
    first = append_audit(con, OVERRIDES, {"SO-1": "applied: joined into erp:C1"}, "run-1")
    assert first["run_id"].to_list() == ["run-1", "run-1"]
    append_audit(con, OVERRIDES[:1], {"SO-1": "applied; the model had matched them too"}, "run-2")
    audit = read_table(con, MDM_SCHEMA, "steward_audit").sort("run_id", "override_id")
    assert audit.select("run_id", "override_id", "records", "outcome").rows() == [
        ("run-1", "SO-1", "erp:C1, crm:A1", "applied: joined into erp:C1"),
        ("run-1", "SO-2", "erp:C2 -> (no parent)", "not applied"),
        ("run-2", "SO-1", "erp:C1, crm:A1", "applied; the model had matched them too"),
    ]
    assert audit["decided_on"].to_list()[0] == dt.date(2026, 11, 2)
    assert audit["applied_at"].null_count() == 0
    assert audit.columns == [
        "override_id",
        "action",
        "records",
        "who",
        "decided_on",
        "why",
        "outcome",
        "run_id",
        "applied_at",
    ]


def test_append_audit_without_overrides_creates_an_empty_table(con):
    rows = append_audit(con, (), {}, "run-1")
    assert rows.is_empty()
    assert read_table(con, MDM_SCHEMA, "steward_audit").is_empty()
    append_audit(con, OVERRIDES, {}, "run-2")
    assert read_table(con, MDM_SCHEMA, "steward_audit").height == 2
