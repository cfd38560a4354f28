"""The Dagster UI in Debian's chromium: the Automation page lists the schedule and sensors, and the
drift history asset shows its chart. Screenshots are kept as test artifacts."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, project_environment

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))
CHROMIUM = "/usr/bin/chromium"
# Without these, chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(
    os.environ.get("SEG_ASSETS_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)
UI_START_SECONDS = 180


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Generated sources materialized by the CLI into the run history the UI will show."""
    env = project_environment(tmp_path_factory.mktemp("ui"))
    for command in (
        ["generate", "--customers", "300", "--months", "14", "--order-lines", "20000"],
        ["materialize"],
    ):
        done = subprocess.run([SEG_ASSETS, *command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return env


@pytest.fixture(scope="module")
def ui(built: dict[str, str]):
    """`seg-assets ui` on a free port; stopped with Ctrl-C (SIGINT) after the tests."""
    port = free_port()
    launcher = subprocess.Popen(
        [SEG_ASSETS, "ui", "--port", str(port)],
        env=built,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + UI_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=2):
                break
        except OSError:
            time.sleep(1)
    else:
        launcher.kill()
        pytest.fail("the Dagster UI did not start")
    yield base
    launcher.send_signal(signal.SIGINT)
    launcher.wait(timeout=60)


@pytest.fixture
def page(ui: str):
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # The first visit shows a community modal over the page.
        context.add_init_script("window.localStorage.setItem('communityNux', '1')")
        yield context.new_page()
        browser.close()


def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_automation_page_lists_the_schedule_and_the_sensors(ui, page):
    page.goto(f"{ui}/automation")
    for name in (
        "monthly_refresh_schedule",
        "landing_files_sensor",
        "drift_retrain_sensor",
        "stale_customer_keys_sensor",
    ):
        page.get_by_text(name, exact=True).first.wait_for(timeout=120_000)
    shot = _screenshot(page, "automation-page")
    assert shot.stat().st_size > 10_000


def test_the_drift_history_asset_shows_its_chart(ui, page):
    page.goto(f"{ui}/assets/segmentation/drift_history?view=events")
    # Long markdown metadata opens in a dialog from its row.
    row = page.locator("tr", has_text="drift_chart").first
    row.get_by_text("Show Markdown").click(timeout=120_000)
    chart = page.locator("img[src^='data:image/png;base64,']").first
    chart.wait_for(timeout=120_000)
    assert chart.evaluate("img => img.naturalWidth") > 300
    _screenshot(page, "drift-history-chart")
    assert re.search(r"drift", page.content(), re.IGNORECASE)
