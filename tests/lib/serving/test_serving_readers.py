"""Sixteen BI clients read the bi views in a loop, in their own processes, while ten refreshes
publish: no read fails, and every read is one whole publication (its publication id names
exactly the rows it read, as the publisher recorded them)."""

import json
import subprocess
import sys
import time
from pathlib import Path

from seg_assets.lib.serving import publish_serving
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

READERS = 16
PUBLISHES = 10
READER = Path(__file__).with_name("serving_reader.py")


def _wait_for(paths: list[Path], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(path.exists() for path in paths):
        assert time.monotonic() < deadline, "readers did not start"
        time.sleep(0.05)


def test_readers_see_whole_publications_while_refreshes_publish(tiny_warehouse, tmp_path):
    working = tmp_path / "warehouse.duckdb"
    copy_warehouse(tiny_warehouse[0], working)
    serving = tmp_path / "serving.duckdb"
    stop = tmp_path / "stop"
    published: dict[str, dict[str, int]] = {}
    with connect_warehouse(working) as con:
        first = publish_serving(con, serving, run_id="run-0")
        published[first.publication.publication_id] = first.view_rows
        reports = [tmp_path / f"reader-{n}.json" for n in range(READERS)]
        readers = [
            subprocess.Popen([sys.executable, str(READER), str(serving), str(stop), str(report)])
            for report in reports
        ]
        try:
            _wait_for([report.with_suffix(".ready") for report in reports], timeout=60)
            for refresh in range(1, PUBLISHES + 1):
                # Each refresh changes the rows, so a read mixing two publications would show.
                con.execute(
                    "insert into marts.fct_order_lines select * from marts.fct_order_lines limit ?",
                    [refresh],
                )
                snapshot = publish_serving(con, serving, run_id=f"run-{refresh}")
                published[snapshot.publication.publication_id] = snapshot.view_rows
        finally:
            stop.touch()
            codes = [reader.wait(timeout=60) for reader in readers]
    assert codes == [0] * READERS
    results = [json.loads(report.read_text()) for report in reports]
    assert [error for result in results for error in result["errors"]] == []
    reads = [read for result in results for read in result["reads"]]
    for read in reads:
        expected = published[read["publication_id"]]
        assert read["rows"] == {view: expected[view] for view in read["rows"]}
    assert all(result["reads"] for result in results)
    seen = {read["publication_id"] for read in reads}
    assert len(published) == PUBLISHES + 1
    assert len(seen) >= PUBLISHES // 2, "readers must overlap most publications"
    # The order-line counts differ per publication, so the check above is not vacuous.
    assert len({rows["order_lines"] for rows in published.values()}) == PUBLISHES + 1
