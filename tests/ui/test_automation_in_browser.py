"""The Dagster UI in Debian's chromium: the Automation page lists the schedule and sensors, and the
drift history asset shows its chart. Screenshots are kept as test artifacts."""

import re

import pytest
from ui_browser import built, open_markdown_chart, page, screenshot, ui

pytestmark = pytest.mark.browser
__all__ = ["built", "page", "ui"]  # fixtures, used by name


def test_the_automation_page_lists_the_schedule_and_the_sensors(ui, page):
    page.goto(f"{ui}/automation")
    for name in (
        "monthly_refresh_schedule",
        "landing_files_sensor",
        "drift_retrain_sensor",
        "stale_customer_keys_sensor",
    ):
        page.get_by_text(name, exact=True).first.wait_for(timeout=120_000)
    shot = screenshot(page, "automation-page")
    assert shot.stat().st_size > 10_000


def test_the_drift_history_asset_shows_its_chart(ui, page):
    chart = open_markdown_chart(page, ui, "segmentation/drift_history", "drift_chart")
    assert chart.evaluate("img => img.naturalWidth") > 300
    screenshot(page, "drift-history-chart")
    assert re.search(r"drift", page.content(), re.IGNORECASE)
