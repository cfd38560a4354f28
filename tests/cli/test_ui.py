"""`make ui`: the Dagster UI serves the lineage graph and Ctrl-C stops every process it started."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import free_port

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))
LINEAGE_QUERY = "{ assetNodes { assetKey { path } dependencyKeys { path } } }"


def _asset_lineage(port: int) -> dict[str, set[str]] | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": LINEAGE_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            nodes = json.load(response)["data"]["assetNodes"]
    except (OSError, KeyError, TypeError):
        return None
    return {
        "/".join(node["assetKey"]["path"]): {
            "/".join(dep["path"]) for dep in node["dependencyKeys"]
        }
        for node in nodes
    } or None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ui_serves_lineage_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SEG_ASSETS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    launcher = subprocess.Popen(
        [SEG_ASSETS, "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        banner = launcher.stdout.readline()
        server_group = int(re.search(r"process group (\d+)", banner).group(1))
        lineage = None
        deadline = time.monotonic() + 120
        while lineage is None and time.monotonic() < deadline:
            time.sleep(1)
            lineage = _asset_lineage(port)
        assert lineage is not None, "the UI never served the asset graph"
        assert "raw/erp__order_lines" in lineage["staging/stg_erp__order_lines"]
        assert lineage["marts/fct_customer_months"] == {"marts/fct_order_lines"}
        assert (tmp_path / "dagster_home" / "dagster.yaml").exists()
    finally:
        launcher.send_signal(signal.SIGINT)
        status = launcher.wait(timeout=60)
    assert status == 0
    assert not _group_alive(server_group), "dagster dev left processes behind"
    assert _asset_lineage(port) is None
