"""What the UI shows for each segmentation build: the choice, its charts, stability, truth."""

from typing import Any

import dagster as dg
import polars as pl

from seg_assets.lib.charts.model_selection import elbow_png, silhouette_png
from seg_assets.lib.charts.png import png_markdown
from seg_assets.lib.segmentation.monthly import MonthOutcome
from seg_assets.lib.segmentation.training import TrainingResult
from seg_assets.lib.table_preview import markdown_table


def _table(frame: pl.DataFrame, digits: int = 3) -> dg.MetadataValue:
    rounded = frame.with_columns(pl.selectors.float().round(digits))
    return dg.MetadataValue.md(markdown_table(rounded.columns, rounded.rows()))


def selection_charts(training: TrainingResult) -> dict[str, dg.MetadataValue]:
    """Elbow (inertia by segment count) and silhouette charts of every candidate, as PNGs."""
    candidates = training.selection.metrics()
    elbow = elbow_png(candidates, elbow_segments=training.selection.elbow_segments)
    return {
        "elbow_chart": dg.MetadataValue.md(png_markdown(elbow, "elbow")),
        "silhouette_chart": dg.MetadataValue.md(
            png_markdown(silhouette_png(candidates), "silhouette")
        ),
    }


def registry_metadata(outcomes: list[MonthOutcome]) -> dict[str, Any]:
    """Per trained month: version, reason, candidates, charts (latest), stability, truth."""
    trained = [outcome for outcome in outcomes if outcome.training is not None]
    metadata: dict[str, Any] = {
        "months_trained": ", ".join(str(outcome.month) for outcome in trained) or "none",
    }
    if not trained:
        return metadata
    latest = trained[-1]
    training = latest.training
    assert training is not None
    metadata |= {
        "model_version": latest.version,
        "as_of_month": str(latest.month),
        "selection_reason": training.selection.reason,
        "candidates": _table(training.selection.metrics().drop("rejection")),
        "segments": _table(training.segments),
        "stability": _table(training.stability),
        **selection_charts(training),
        **{
            name: value
            for name, value in {**training.metrics, **latest.metrics}.items()
            if isinstance(value, int | float | str) and not isinstance(value, bool)
        },
    }
    return metadata


def assignments_metadata(outcomes: list[MonthOutcome]) -> dict[str, Any]:
    """Mode and version per month, and the latest published month's segments."""
    plan = [(str(o.month), o.mode, o.version or "", o.reason) for o in outcomes]
    metadata: dict[str, Any] = {
        "months": dg.MetadataValue.md(markdown_table(("month", "mode", "version", "why"), plan))
    }
    published = [o for o in outcomes if o.scored is not None]
    if published:
        latest = published[-1]
        assert latest.scored is not None
        assignments = latest.scored.assignments
        metadata |= {
            "latest_month": str(latest.month),
            "latest_version": latest.version,
            "customers_segmented": assignments.height,
            "customers_excluded": latest.scored.excluded.get_column("customer_key").n_unique(),
            "borderline_customers": int(assignments.get_column("is_borderline").sum()),
            "segment_sizes": _table(
                assignments.group_by("segment_id", "segment_name")
                .len("customers")
                .sort("segment_id")
            ),
            **{
                name: value
                for name, value in latest.metrics.items()
                if name.startswith("period_over_period")
            },
        }
    return metadata
