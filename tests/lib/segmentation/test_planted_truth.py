"""Planted truth per month: a customer switched by a planted drift is judged by its new
archetype from the switch month on, and by its old one before."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from seg_assets.lib.segmentation.evaluation import planted_archetypes


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    (tmp_path / "customer_archetypes.csv").write_text(
        "customer_id,archetype\nC1,long_tail_occasional\nC2,long_tail_occasional\nC3,small_frequent\n"
    )
    (tmp_path / "archetype_switches.csv").write_text(
        "customer_id,from_archetype,to_archetype,from_month\n"
        "C2,long_tail_occasional,large_steady,2026-11-01\n"
    )
    return tmp_path


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.sql("create schema mdm")
    con.sql(
        "create table mdm.crosswalk as select * from (values"
        " ('erp:C1', 'erp', 'K1'), ('erp:C2', 'erp', 'K2'), ('erp:C3', 'erp', 'K3'),"
        " ('crm:A9', 'crm', 'K3')) as t(record_id, source_system, customer_key)"
    )
    return con


def _archetypes(con, truth, month: date) -> dict[str, str]:
    return dict(planted_archetypes(con, truth, month).sort("customer_key").iter_rows())


def test_a_switched_customer_keeps_its_old_archetype_before_the_switch(con, truth):
    assert _archetypes(con, truth, date(2026, 10, 1)) == {
        "K1": "long_tail_occasional",
        "K2": "long_tail_occasional",
        "K3": "small_frequent",
    }


def test_from_the_switch_month_on_it_takes_the_new_one(con, truth):
    for month in (date(2026, 11, 1), date(2027, 1, 1)):
        assert _archetypes(con, truth, month)["K2"] == "large_steady"
        assert _archetypes(con, truth, month)["K1"] == "long_tail_occasional"


def test_without_switches_the_drawn_archetypes_hold(con, truth):
    (truth / "archetype_switches.csv").unlink()
    assert _archetypes(con, truth, date(2026, 11, 1))["K2"] == "long_tail_occasional"


def test_a_switch_file_without_rows_switches_nobody(con, truth):
    (truth / "archetype_switches.csv").write_text(
        "customer_id,from_archetype,to_archetype,from_month\n"
    )
    assert _archetypes(con, truth, date(2026, 11, 1))["K2"] == "long_tail_occasional"


def test_without_truth_there_is_nothing_to_evaluate(con, tmp_path):
    assert planted_archetypes(con, tmp_path / "missing", date(2026, 11, 1)) is None
