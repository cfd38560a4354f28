"""``seg-assets models``: list registered versions, show those pending approval, and approve,
reject or roll back one. Reads come from the serving snapshot; decisions are applied by a
segmentation run launched through the Dagster instance, so they wait their turn in the queue
and appear in the UI's run history like any other run."""

import polars as pl

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import serving_path
from seg_assets.lib.segmentation.model_catalog import model_catalog
from seg_assets.lib.table_preview import markdown_table

SEGMENTATION_JOB = "segmentation_refresh"
# Which statuses each decision applies to.
DECIDABLE = {
    "approve": ("pending_approval", "rejected"),
    "reject": ("pending_approval",),
    "rollback": ("published", "approved", "rolled_back", "pending_approval"),
}
_LIST_COLUMNS = (
    "model_version",
    "trained_on",
    "algorithm",
    "status",
    "months_served",
    "decided_by",
    "reason",
)
_REASON_WIDTH = 90


def _catalog() -> pl.DataFrame:
    return model_catalog(serving_path())


def list_models() -> str:
    """Every registered version and its status, as a markdown table."""
    catalog = _catalog().with_columns(
        pl.col("reason").str.slice(0, _REASON_WIDTH),
        pl.col("trained_on").cast(pl.String),
    )
    return markdown_table(list(_LIST_COLUMNS), catalog.select(_LIST_COLUMNS).rows())


def pending_models() -> str:
    """Each version waiting for approval: why the guard held it and its impact report."""
    pending = _catalog().filter(pl.col("status") == "pending_approval")
    if pending.is_empty():
        return "No model version is pending approval."
    parts = [
        f"## {row['model_version']} (trained on {row['trained_on']})\n\n"
        f"Held by {row['decided_by']} at {row['decided_at']:%Y-%m-%d %H:%M}:"
        f" {row['reason']}\n\n{row['impact_report'] or ''}"
        for row in pending.iter_rows(named=True)
    ]
    return "\n\n".join(parts)


def decision_run(
    action: str, version: str, decided_by: str, reason: str, month: str | None = None
) -> tuple[str, dict[str, object]]:
    """The month a decision applies to and the segmentation run config that applies it.

    Approve and reject apply to the version's training month; a rollback to ``month`` (the
    newest month published by default).
    """
    if not decided_by.strip() or not reason.strip():
        raise SegAssetsError(f"models {action}: --by and --reason are both required")
    catalog = _catalog()
    found = catalog.filter(pl.col("model_version") == version)
    if found.is_empty():
        known = ", ".join(catalog.get_column("model_version").to_list()) or "none"
        raise SegAssetsError(f"model version {version!r} is not registered; known: {known}")
    status = found.get_column("status")[0]
    if status not in DECIDABLE[action]:
        raise SegAssetsError(
            f"{version} is {status}: only a version that is {' or '.join(DECIDABLE[action])}"
            f" can be {'rolled back to' if action == 'rollback' else action + 'd'}"
        )
    if action != "rollback":
        month = str(found.get_column("trained_on")[0])
    elif month is None:
        month = str(catalog.get_column("last_month_served").max())
    config = {
        "decision": action,
        "model_version": version,
        "decided_by": decided_by,
        "decision_reason": reason,
    }
    return month, {"ops": {"segment_customers": {"config": config}}}


def apply_decision(
    action: str, version: str, decided_by: str, reason: str, month: str | None = None
) -> int:
    """Launch the segmentation run that records and applies the decision, with progress."""
    from seg_assets.cli.launch import launch_job
    from seg_assets.cli.progress import run_with_progress
    from seg_assets.defs.partitions import month_range_tags

    month, run_config = decision_run(action, version, decided_by, reason, month)
    return run_with_progress(
        f"{SEGMENTATION_JOB} ({action} {version} for {month})",
        lambda: launch_job(SEGMENTATION_JOB, month_range_tags(month), run_config),
    )
