"""Fixtures of the browser tests: a warehouse built by the CLI, `seg-assets ui` on it, and a
page in Debian's chromium. Test modules import the fixtures they use from here."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, project_environment

playwright = pytest.importorskip("playwright.sync_api")

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


def screenshot(page, name: str) -> Path:
    """The whole page as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Finished, not mid-way: a dialog's fade-in would leave the page half transparent.
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def open_markdown_chart(page, ui: str, asset: str, entry: str):
    """The PNG of markdown metadata ``entry`` in the latest materialization of ``asset``
    (``schema/table``), once the browser has loaded it."""
    page.goto(f"{ui}/assets/{asset}?view=events")
    # Long markdown metadata opens in a dialog from its row.
    row = page.locator("tr").filter(has=page.get_by_text(entry, exact=True)).first
    row.get_by_text("Show Markdown").click(timeout=120_000)
    chart = page.locator("img[src^='data:image/png;base64,']").first
    chart.wait_for(timeout=120_000)
    # Visible is not loaded: wait until the browser has decoded the image.
    page.wait_for_function("img => img.complete", arg=chart.element_handle(), timeout=30_000)
    return chart
