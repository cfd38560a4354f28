"""Full, read-only and forbidden folders: a clear error naming the folder, nothing half-written,
the previous serving publication kept, and the next try succeeding once the folder is fixed.

The folders are real: tmpfs mounts of a few megabytes, read-only remounts and the immutable
attribute (root ignores file modes); see ``storage_mounts``.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from storage_mounts import Mounts, folder_bytes, mount_refusal, set_immutable, used_kib

from seg_assets.lib.serving import publish_serving
from seg_assets.lib.serving.parquet import parquet_beside
from seg_assets.lib.warehouse import (
    WarehouseStorageError,
    connect_warehouse,
    copy_warehouse,
    curated_store,
)

ROOMY_KIB = 64 * 1024
PUBLICATION = "select publication_id from bi.publication"


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    """tmpfs mounts for the test, unmounted however it ends (skips where mounting is refused)."""
    reason = mount_refusal()
    if reason:
        pytest.skip(reason)
    mounted = Mounts()
    yield mounted
    mounted.unmount_all()


def _small_warehouse(database: Path) -> None:
    """A warehouse with a table in each of its files (working file and curated store)."""
    with connect_warehouse(database) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_orders as select range as order_id from range(100)")
        con.execute("create table marts.fct_orders as from staging.stg_orders")


def _rows(database: Path, table: str) -> int:
    with connect_warehouse(database, read_only=True) as con:
        return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _publication(serving: Path) -> str:
    with duckdb.connect(str(serving), read_only=True) as reader:
        return reader.execute(PUBLICATION).fetchall()[0][0]


def _fill(folder: Path, leave_kib: int) -> Path:
    """Fill ``folder``'s file system with a ballast file, leaving ``leave_kib`` KiB."""
    ballast = folder / "ballast"
    with ballast.open("wb") as sink:
        try:
            while True:
                sink.write(bytes(1 << 20))
        except OSError:
            pass  # full
    ballast.write_bytes(bytes(max(0, ballast.stat().st_size - leave_kib * 1024)))
    return ballast


def test_a_full_warehouse_folder_fails_the_write_and_keeps_what_was_committed(mounts, tmp_path):
    folder = mounts.tmpfs(tmp_path / "warehouse", 2 * 1024)
    database = folder / "warehouse.duckdb"
    _small_warehouse(database)
    with pytest.raises(WarehouseStorageError) as refused, connect_warehouse(database) as con:
        con.execute(
            "create table staging.stg_order_lines as"
            " select range as order_line_id, repeat('x', 100) || range as note from range(200000)"
        )
    message = str(refused.value)
    assert message.startswith(f"No space left on device: writing {database}")
    assert f"because {folder} is full (" in message and "SEG_ASSETS_WAREHOUSE" in message
    # DuckDB's own error is kept as the cause, for the traceback.
    assert isinstance(refused.value.__cause__, duckdb.Error)
    assert _rows(database, "staging.stg_orders") == 100
    with connect_warehouse(database, read_only=True) as con:
        assert not con.execute(
            "select * from duckdb_tables() where table_name = 'stg_order_lines'"
        ).fetchall()
    mounts.resize(folder, ROOMY_KIB)
    with connect_warehouse(database) as con:
        con.execute(
            "create table staging.stg_order_lines as"
            " select range as order_line_id, repeat('x', 100) || range as note from range(200000)"
        )
    assert _rows(database, "staging.stg_order_lines") == 200_000


def test_a_warehouse_created_on_a_full_disk_leaves_no_stub_behind(mounts, tmp_path):
    folder = mounts.tmpfs(tmp_path / "warehouse", 1024)
    ballast = _fill(folder, leave_kib=8)
    database = folder / "warehouse.duckdb"
    with pytest.raises(WarehouseStorageError, match="No space left on device"):
        with connect_warehouse(database):
            pass
    # DuckDB wrote the file's first blocks; the stub would fail every later open.
    assert sorted(os.listdir(folder)) == ["ballast"]
    ballast.unlink()
    _small_warehouse(database)
    assert _rows(database, "marts.fct_orders") == 100


def test_a_read_only_warehouse_folder_is_refused_and_left_as_it_was(mounts, tmp_path):
    folder = mounts.tmpfs(tmp_path / "warehouse", 16 * 1024)
    database = folder / "warehouse.duckdb"
    _small_warehouse(database)
    before = folder_bytes(folder)
    mounts.read_only(folder)
    for target in (database, folder / "another.duckdb"):
        with pytest.raises(WarehouseStorageError) as refused, connect_warehouse(target):
            pass
        message = str(refused.value)
        assert message.startswith(
            f"{folder} is not writable (read-only file system): {target} cannot be created"
        )
        assert f"Remount {folder} read-write, or point SEG_ASSETS_WAREHOUSE" in message
    assert folder_bytes(folder) == before
    # Readers (the CLI, checks reading back) still read it.
    assert _rows(database, "marts.fct_orders") == 100


def test_a_folder_refusing_new_files_is_named_and_nothing_is_written(mounts, tmp_path):
    folder = mounts.tmpfs(tmp_path / "mount", 16 * 1024) / "warehouse"
    folder.mkdir()
    database = folder / "warehouse.duckdb"
    _small_warehouse(database)
    before = folder_bytes(folder)
    set_immutable(folder, True)
    try:
        with pytest.raises(WarehouseStorageError) as refused, connect_warehouse(database) as con:
            con.execute("insert into staging.stg_orders values (100)")  # needs a new .wal file
        assert str(refused.value).startswith(
            f"{folder} is not writable (operation not permitted): {database}.wal cannot be"
        )
        with pytest.raises(WarehouseStorageError, match=f"{folder} is not writable"):
            with connect_warehouse(folder / "another.duckdb"):
                pass
        assert folder_bytes(folder) == before
    finally:
        set_immutable(folder, False)
    assert _rows(database, "staging.stg_orders") == 100


WRITE_AS_CHILD = """
import sys
from pathlib import Path
from seg_assets.lib.warehouse import connect_warehouse
with connect_warehouse(Path(sys.argv[1])) as con:
    con.execute("insert into staging.stg_orders values (100)")
"""


def test_a_folder_the_pipeline_user_may_not_write_is_named(tmp_path):
    folder = tmp_path / "warehouse"
    folder.mkdir()
    database = folder / "warehouse.duckdb"
    _small_warehouse(database)
    before = folder_bytes(folder)
    command = [sys.executable, "-c", WRITE_AS_CHILD, str(database)]
    if os.geteuid() == 0:
        # Root writes through file modes: the child runs as root without that capability.
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores file modes and setpriv (util-linux) is not installed")
        drop = "-dac_override,-dac_read_search,-fowner"
        command = ["setpriv", "--bounding-set", drop, "--inh-caps", "-all", *command]
    folder.chmod(0o555)
    try:
        child = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        folder.chmod(0o755)
    assert child.returncode != 0
    last_line = child.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        f"seg_assets.lib.warehouse.storage.WarehouseStorageError: {folder} is not writable"
        " (permission denied for user "
    )
    assert f"write access to {folder} and the files in it" in last_line
    assert folder_bytes(folder) == before


@pytest.mark.parametrize("room", ["copy", "writes"], ids=["copy-does-not-fit", "copy-fits"])
def test_a_full_serving_folder_keeps_the_previous_publication(
    tiny_warehouse, tmp_path, mounts, room
):
    working = tmp_path / "warehouse" / "warehouse.duckdb"
    working.parent.mkdir()
    copy_warehouse(tiny_warehouse[0], working)
    folder = mounts.tmpfs(tmp_path / "serving", ROOMY_KIB)
    serving = folder / "serving.duckdb"
    link = parquet_beside(serving)
    with connect_warehouse(working) as con:
        first = publish_serving(con, serving, run_id="run-first")
        before, exported = folder_bytes(folder), os.readlink(link)
        store = curated_store(working).stat().st_size
        # The staged copy starts as the store's bytes and grows to the serving file's size:
        # room for half the store fails the copy, room for more than it fails DuckDB's writes.
        free = store // 2 if room == "copy" else (store + first.bytes) // 2
        mounts.resize(folder, used_kib(folder) + free // 1024)
        with pytest.raises(WarehouseStorageError) as refused:
            publish_serving(con, serving, run_id="run-second")
        message = str(refused.value)
        assert message.startswith("No space left on device: writing ")
        assert f"because {folder} is full (" in message
        assert f"The serving file {serving} is unchanged" in message
        assert "point SEG_ASSETS_SERVING at a folder on a larger disk" in message
        # Byte for byte: the file, its Parquet export and the link; no staged or half-written
        # export left holding the space.
        assert folder_bytes(folder) == before and os.readlink(link) == exported
        assert sorted(os.listdir(working.parent)) == [
            "warehouse.curated.duckdb",
            "warehouse.duckdb",
        ]
        with duckdb.connect(str(serving), read_only=True) as reader:
            assert reader.execute(PUBLICATION).fetchall() == [(first.publication.publication_id,)]
        mounts.resize(folder, ROOMY_KIB)
        third = publish_serving(con, serving, run_id="run-third")
    with duckdb.connect(str(serving), read_only=True) as reader:
        assert reader.execute(PUBLICATION).fetchall() == [(third.publication.publication_id,)]
    assert os.readlink(link) != exported


def test_a_full_warehouse_folder_during_compaction_keeps_the_store_and_the_publication(
    tiny_warehouse, tmp_path, mounts
):
    folder = mounts.tmpfs(tmp_path / "warehouse", ROOMY_KIB)
    working = folder / "warehouse.duckdb"
    copy_warehouse(tiny_warehouse[0], working)
    serving = tmp_path / "serving" / "serving.duckdb"
    with connect_warehouse(working) as con:
        first = publish_serving(con, serving, run_id="run-first")
        before, published = folder_bytes(folder), folder_bytes(serving.parent)
        store = curated_store(working).stat().st_size
        # Compacting rewrites the store beside itself: room for half of it fails the rewrite.
        mounts.resize(folder, used_kib(folder) + store // 2 // 1024)
        with pytest.raises(WarehouseStorageError) as refused:
            publish_serving(con, serving, run_id="run-second", max_free_share=-1)
        message = str(refused.value)
        assert message.startswith(f"No space left on device: writing {folder}/.")
        assert f"The serving file {serving} is unchanged" in message
        assert "point SEG_ASSETS_WAREHOUSE at a folder on a larger disk" in message
        # The half-written rewrite is gone (it would hold the space the next run needs).
        assert folder_bytes(folder) == before
        assert folder_bytes(serving.parent) == published
        mounts.resize(folder, ROOMY_KIB)
        second = publish_serving(con, serving, run_id="run-third", max_free_share=-1)
    assert second.compacted
    assert _publication(serving) == second.publication.publication_id
    assert first.publication.publication_id != second.publication.publication_id
