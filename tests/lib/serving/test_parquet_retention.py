"""Superseded Parquet exports stay for readers that resolved the link before the swap, for
SUPERSEDED_KEPT_FOR after the next export replaced them, then go; half-built ones go at once."""

import os
import time

from seg_assets.lib.serving.parquet import SUPERSEDED_KEPT_FOR, ParquetExport


def test_exports_go_once_superseded_for_longer_than_the_grace_period(tmp_path):
    link = tmp_path / "serving_parquet"
    kept_for = SUPERSEDED_KEPT_FOR.total_seconds()
    now = time.time()
    # Finished at these ages (seconds ago): "old" was superseded by "recent" long ago,
    # "recent" by "current" just now, "current" by the export being swapped in.
    ages = {"old": 3 * kept_for, "middle": 2 * kept_for, "recent": 60.0, "current": 5.0}
    for name, age in ages.items():
        folder = tmp_path / f"serving_parquet.{name}"
        folder.mkdir()
        os.utime(folder, (now - age, now - age))
    link.symlink_to("serving_parquet.current")
    half_built = tmp_path / ".serving_parquet.killed.building"
    half_built.mkdir()
    new = tmp_path / "serving_parquet.new"
    new.mkdir()

    ParquetExport(link=link, folder=new).swap_in()

    assert os.readlink(link) == "serving_parquet.new"
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "serving_parquet")
    # "old" was superseded 2x the grace period ago, "middle" 60 s ago, "recent" 5 s ago.
    assert left == [
        "serving_parquet.current",
        "serving_parquet.middle",
        "serving_parquet.new",
        "serving_parquet.recent",
    ]
