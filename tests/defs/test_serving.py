"""The serving snapshot: published after a clean run, untouched by a failed one, and replaced
under a reader that keeps its open snapshot."""

import stat

import duckdb
from conftest import query, run_pipeline, write_tiny_landing

from seg_assets.lib.serving import serving_beside

MART_TOTAL = "select count(*), sum(order_lines) from marts.fct_customer_months"


def test_a_clean_run_publishes_a_readable_snapshot(tiny_warehouse):
    database, _ = tiny_warehouse
    serving = serving_beside(database)
    assert query(serving, MART_TOTAL) == query(database, MART_TOTAL)
    assert not list(serving.parent.glob(".*publishing"))


def test_the_published_file_is_curated_read_only_and_names_its_run(tiny_warehouse):
    database, _ = tiny_warehouse
    serving = serving_beside(database)
    schemas = {s for (s,) in query(serving, "select distinct schema_name from duckdb_tables()")}
    assert schemas & {"raw", "staging", "quarantine", "intermediate", "settings"} == set()
    assert {"marts", "kpi", "segmentation", "mdm"} <= schemas
    assert stat.S_IMODE(serving.stat().st_mode) == 0o444
    [(run_id, publication_id)] = query(serving, "select run_id, publication_id from bi.publication")
    assert run_id and publication_id
    assert query(serving, "select distinct publication_id from bi.customer_months") == [
        (publication_id,)
    ]
    assert (serving.parent / f"{serving.stem}_parquet" / "publication.json").exists()


def test_a_failed_run_leaves_the_previous_snapshot(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    database = tmp_path / "warehouse.duckdb"
    run_pipeline(database, landing)
    serving = serving_beside(database)
    published = serving.read_bytes()
    (landing / "erp" / "order_lines.csv").write_text("order_line_id,order_id\nOL9,SO9\n")
    result = run_pipeline(database, landing, raise_on_error=False)
    assert not result.success
    assert serving.read_bytes() == published


def test_a_reader_keeps_its_snapshot_while_a_new_one_is_published(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    database = tmp_path / "warehouse.duckdb"
    run_pipeline(database, landing)
    serving = serving_beside(database)
    before = query(serving, MART_TOTAL)
    with duckdb.connect(str(serving), read_only=True) as reader:
        lines = landing / "erp" / "order_lines.csv"
        kept = lines.read_text().splitlines()
        lines.write_text("\n".join([kept[0], *kept[2:]]) + "\n")  # without OL1
        assert run_pipeline(database, landing).success
        assert reader.execute(MART_TOTAL).fetchall() == before
    after = query(serving, MART_TOTAL)
    assert after[0][1] == before[0][1] - 1
