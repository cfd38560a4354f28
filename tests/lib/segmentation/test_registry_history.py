"""The segmentation history logs changes, not runs: a rerun that publishes what already serves
a month, or repeats a version's latest decision word for word, adds no row; anything that
changes the month's state appends one."""

from datetime import date

import duckdb
import polars as pl
import pytest

from seg_assets.lib.segmentation.registry import (
    Decision,
    ensure_tables,
    publish_month,
    record_decision,
)

MONTH = date(2025, 6, 1)


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        ensure_tables(connection)
        yield connection


def _publish(con: duckdb.DuckDBPyConnection, version: str, mode: str, run_id: str) -> None:
    assignments = pl.DataFrame({"customer_key": ["C1", "C2"], "segment_id": [0, 1]})
    none = pl.DataFrame(schema={"customer_key": pl.String, "feature": pl.String})
    publish_month(con, MONTH, version, assignments, none, none, mode, run_id)


def _publications(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select run_id, model_version, mode from segmentation.publications order by published_at"
    ).fetchall()


def test_a_rerun_publishing_the_same_version_and_mode_adds_no_publication(con):
    _publish(con, "v1", "trained", "run-1")
    _publish(con, "v1", "trained", "run-2")
    assert _publications(con) == [("run-1", "v1", "trained")]
    # The month's assignments are replaced, not doubled.
    assert con.execute("select count(*) from segmentation.customer_segments").fetchall() == [(2,)]


def test_a_changed_version_or_mode_appends_and_returning_appends_again(con):
    _publish(con, "v1", "trained", "run-1")
    _publish(con, "v0", "rollback", "run-2")
    _publish(con, "v1", "trained", "run-3")
    assert _publications(con) == [
        ("run-1", "v1", "trained"),
        ("run-2", "v0", "rollback"),
        ("run-3", "v1", "trained"),
    ]


def test_a_repeated_decision_adds_no_row_and_a_different_one_does(con):
    held = Decision("v2", MONTH, "pending_approval", "model guard", "ARI 0.61 below 0.8")
    assert record_decision(con, held, "run-1")
    assert not record_decision(con, held, "run-2")
    approved = Decision("v2", MONTH, "approved", "ana", "checked the impact report")
    assert record_decision(con, approved, "run-3")
    # The guard holding the version again after the approval is a change: appended.
    assert record_decision(con, held, "run-4")
    rows = con.execute(
        "select run_id, decision from segmentation.model_decisions order by decided_at"
    ).fetchall()
    assert rows == [
        ("run-1", "pending_approval"),
        ("run-3", "approved"),
        ("run-4", "pending_approval"),
    ]
