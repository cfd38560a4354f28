"""PNG charts in asset metadata load as pictures in the Dagster UI (Debian's chromium): the whale
curve of marts.fct_whale_curve, the model selection charts of the segmentation registry and the
KPI charts (trends with control limits, cost to serve by segment with intervals, the migration
heatmap). Screenshots are kept as test artifacts."""

import pytest
from ui_browser import built, open_markdown_chart, page, screenshot, ui

pytestmark = pytest.mark.browser
__all__ = ["built", "page", "ui"]  # fixtures, used by name


@pytest.mark.parametrize(
    ("asset", "entry"),
    [
        ("marts/fct_whale_curve", "whale_curve"),
        ("segmentation/model_registry", "elbow_chart"),
        ("segmentation/model_registry", "silhouette_chart"),
        ("kpi/kpi_alerts", "kpi_trends"),
        ("kpi/fct_segment_differentials", "cost_to_serve_by_segment"),
        ("kpi/fct_segment_migration_months", "migration_matrix"),
    ],
)
def test_the_chart_loads_as_an_image(ui, page, asset, entry):
    chart = open_markdown_chart(page, ui, asset, entry)
    assert chart.evaluate("img => img.naturalWidth") > 0
    assert chart.evaluate("img => img.naturalHeight") > 0
    shot = screenshot(page, f"{asset.replace('/', '-')}-{entry}")
    assert shot.stat().st_size > 10_000
