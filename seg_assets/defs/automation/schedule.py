"""The monthly schedule: refresh the newest closed month and everything it feeds."""

import dagster as dg

from seg_assets.defs.automation.landing import TRIGGER_TAG
from seg_assets.defs.jobs import full_refresh_job
from seg_assets.defs.partitions import month_range_tags, monthly_partitions
from seg_assets.lib.automation.settings import AutomationSettings


def build_monthly_schedule(settings: AutomationSettings) -> dg.ScheduleDefinition:
    """full_refresh of the month before the tick, on the configured cron."""

    @dg.schedule(
        name="monthly_refresh_schedule",
        job=full_refresh_job,
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            "Refreshes the newest closed month partition and every unpartitioned asset"
            f" (cron {settings.cron!r} {settings.timezone}, config/automation.yaml)."
        ),
    )
    def monthly_refresh_schedule(
        context: dg.ScheduleEvaluationContext,
    ) -> dg.RunRequest | dg.SkipReason:
        keys = monthly_partitions.get_partition_keys(current_time=context.scheduled_execution_time)
        if not keys:
            return dg.SkipReason("no month has closed since the first partition")
        month = keys[-1]
        return dg.RunRequest(
            run_key=f"monthly:{month}",
            tags={**month_range_tags(month), TRIGGER_TAG: "schedule"},
        )

    return monthly_refresh_schedule
