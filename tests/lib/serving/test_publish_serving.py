"""Curated publishing on a real warehouse: only the served schemas, documented bi views bound
to the file's own tables, a publication row, read-only, atomic, and a matching Parquet export."""

import json
import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from conftest import assert_served_tables_match, query

from seg_assets.lib.serving import SERVED_SCHEMAS, publish_serving
from seg_assets.lib.serving.parquet import parquet_beside
from seg_assets.lib.serving.publish import NEVER_SERVED, staged_path
from seg_assets.lib.serving.views import PUBLICATION_VIEWS, BiView, load_bi_views
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

SNAPSHOT = Path(__file__).with_name("bi_views.json")
BI_VIEW_NAMES = "select view_name from duckdb_views() where schema_name = 'bi'"


@pytest.fixture(scope="module")
def published(tiny_warehouse, tmp_path_factory) -> dict:
    """A copy of the tiny warehouse published twice (the second replaces the first)."""
    root = tmp_path_factory.mktemp("published")
    working = root / "warehouse.duckdb"
    copy_warehouse(tiny_warehouse[0], working)
    serving = root / "serving.duckdb"
    with connect_warehouse(working) as con:
        first = publish_serving(con, serving, run_id="run-first")
        second = publish_serving(con, serving, run_id="run-second")
    return {"working": working, "serving": serving, "first": first, "second": second}


def _schemas(database: Path) -> set[str]:
    return {s for (s,) in query(database, "select distinct schema_name from duckdb_tables()")}


def test_only_the_served_schemas_are_published(published):
    schemas = _schemas(published["serving"])
    assert schemas & NEVER_SERVED == set()
    assert {"marts", "kpi", "segmentation", "mdm"} <= schemas
    assert schemas <= {*SERVED_SCHEMAS, "serving_meta"}
    # Every table of a wholly served schema is there: a new kpi table needs no change.
    for schema, tables in SERVED_SCHEMAS.items():
        sql = "select table_name from duckdb_tables() where schema_name = ? order by 1"
        working = query(published["working"], sql, [schema])
        expected = working if tables is None else [t for t in working if t[0] in tables]
        assert query(published["serving"], sql, [schema]) == expected


def test_served_tables_hold_the_warehouse_rows(published):
    assert assert_served_tables_match(published["working"], published["serving"])


def test_the_file_is_read_only_and_names_its_publication(published):
    serving, second = published["serving"], published["second"]
    assert stat.S_IMODE(serving.stat().st_mode) == 0o444
    assert not staged_path(serving).exists()
    [row] = query(serving, "select publication_id, run_id, published_at from bi.publication")
    assert row[:2] == (second.publication.publication_id, "run-second")
    assert second.publication.publication_id != published["first"].publication.publication_id
    with pytest.raises(duckdb.Error):
        with duckdb.connect(str(serving), read_only=True) as con:
            con.execute("create table bi.scratch as select 1")


def test_bi_views_bind_to_the_file_and_carry_the_publication(published):
    serving, second = published["serving"], published["second"]
    contents = dict(query(serving, "select view_name, row_count from bi.publication_contents"))
    for view in load_bi_views():
        [(rows, ids)] = query(
            serving, f"select count(*), list(distinct publication_id) from bi.{view.name}"
        )
        assert rows == contents[view.name] == second.view_rows[view.name]
        assert ids in (None, [second.publication.publication_id])
        assert rows == query(serving, f"select count(*) from {view.source}")[0][0]


def test_every_bi_column_is_commented_in_the_file(published):
    missing = query(
        published["serving"],
        "select table_name || '.' || column_name from duckdb_columns()"
        " where schema_name = 'bi' and coalesce(comment, '') = ''",
    )
    assert missing == []
    [(views_without,)] = query(
        published["serving"],
        "select count(*) from duckdb_views() where schema_name = 'bi'"
        " and coalesce(comment, '') = ''",
    )
    assert views_without == 0


def test_bi_view_columns_match_the_snapshot(published):
    """The bi column lists are a contract: a change must bump the view's version and update
    bi_views.json in the same change (UPDATE_BI_SNAPSHOT=1 rewrites it)."""
    versions = {name: 1 for name in PUBLICATION_VIEWS}
    versions |= {view.name: view.version for view in load_bi_views()}
    actual = {
        name: {
            "version": version,
            "columns": [
                f"{column} {data_type}"
                for column, data_type in query(
                    published["serving"],
                    "select column_name, data_type from duckdb_columns()"
                    " where schema_name = 'bi' and table_name = ? order by column_index",
                    [name],
                )
            ],
        }
        for name, version in versions.items()
    }
    assert {n for (n,) in query(published["serving"], BI_VIEW_NAMES)} == set(versions)
    if os.environ.get("UPDATE_BI_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(actual, indent=1) + "\n")
    pinned = json.loads(SNAPSHOT.read_text())
    for name in pinned.keys() & actual.keys():
        if actual[name]["columns"] != pinned[name]["columns"]:
            assert actual[name]["version"] != pinned[name]["version"], (
                f"bi.{name} changed its columns without a new version"
            )
    assert actual == pinned


def test_the_parquet_export_is_the_publication(published):
    serving, second = published["serving"], published["second"]
    link = parquet_beside(serving)
    assert link.is_symlink() and link.resolve().name.endswith(second.publication.publication_id)
    publication = json.loads((link / "publication.json").read_text())
    assert publication["publication_id"] == second.publication.publication_id
    for view in load_bi_views():
        folder = link / view.name
        files = sorted(folder.rglob("*.parquet"))
        rows = second.view_rows[view.name]
        assert publication["views"][view.name] == {"version": view.version, "rows": rows}
        if not rows:
            continue
        if view.month_column:
            assert all(f.parent.name.startswith(f"{view.month_column}=") for f in files)
        with duckdb.connect() as con:
            relation = con.read_parquet(str(folder / "**" / "*.parquet"), hive_partitioning=True)
            assert set(relation.columns) == set(view.output_columns)
            assert con.execute("select count(*) from relation").fetchall() == [(rows,)]


def test_a_failed_publish_leaves_the_previous_file_and_export(published, tmp_path):
    serving = tmp_path / "serving.duckdb"
    shutil.copyfile(published["serving"], serving)
    before = serving.read_bytes()
    # Built in code, not read from a file: nothing checks the column before the publication.
    broken = BiView(
        name="broken", version=1, source="marts.fct_order_lines", columns=("no_such_column",)
    )
    with connect_warehouse(published["working"]) as con:
        with pytest.raises(duckdb.BinderException):
            publish_serving(con, serving, run_id="run-broken", views=[broken])
    assert serving.read_bytes() == before
    assert not staged_path(serving).exists()
    assert not parquet_beside(serving).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["serving.duckdb"]
