"""Stale-keys sensor: months whose facts still carry customer keys that master data re-keyed.

A master-data run can merge or split golden customers; facts of the months that run did not
refresh keep the superseded keys. This sensor finds those months in the serving snapshot and
refreshes them, so no fact stays keyed on a customer that no longer exists.
"""

from pathlib import Path

import dagster as dg

from seg_assets.defs.automation.landing import REASON_TAG, TRIGGER_TAG
from seg_assets.defs.jobs import full_refresh_job
from seg_assets.defs.partitions import month_range_tags, monthly_partitions
from seg_assets.defs.resources import ServingFile
from seg_assets.defs.sql_model_assets import all_models
from seg_assets.lib.automation.landing_changes import contiguous_ranges
from seg_assets.lib.automation.settings import AutomationSettings
from seg_assets.lib.automation.snapshot import months_on_superseded_keys

GOLDEN_CUSTOMERS = ("mdm", "dim_customer_golden")


def partitioned_facts() -> list[tuple[str, str, str]]:
    """``(schema, table, month column)`` of every partitioned SQL model (the snapshot tells
    which of them are keyed on customers)."""
    return [
        (model.schema, model.name, model.partition_column)
        for model in all_models()
        if model.partition_column is not None
    ]


def build_stale_keys_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    """The stale-keys sensor on the full_refresh job."""

    @dg.sensor(
        name="stale_customer_keys_sensor",
        job=full_refresh_job,
        minimum_interval_seconds=settings.stale_keys_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Finds months whose customer-keyed facts (in the serving snapshot) hold a"
            " customer_key that mdm.dim_customer_golden no longer has, after master data"
            " merged or split customers, and refreshes those months."
        ),
    )
    def stale_customer_keys_sensor(
        context: dg.SensorEvaluationContext, serving: ServingFile
    ) -> dg.SensorResult | dg.SkipReason:
        serving_file = Path(serving.path)
        months = months_on_superseded_keys(serving_file, partitioned_facts(), GOLDEN_CUSTOMERS)
        known = set(monthly_partitions.get_partition_keys())
        months = [m for m in months if m.isoformat() in known]
        if not months:
            return dg.SkipReason("every fact is keyed on a current golden customer")
        # The snapshot's time makes the key: the same stale months are asked for once per
        # snapshot, and again only if a refresh did not fix them.
        published = int(serving_file.stat().st_mtime)
        requests = [
            dg.RunRequest(
                run_key=f"stale-keys:{published}:{first}:{last}",
                tags={
                    **month_range_tags(first.isoformat(), last.isoformat()),
                    TRIGGER_TAG: "stale_keys",
                    REASON_TAG: "facts keyed on superseded customer keys",
                },
            )
            for first, last in contiguous_ranges(months)
        ]
        context.log.info(f"stale months: {', '.join(m.isoformat() for m in months)}")
        return dg.SensorResult(run_requests=requests)

    return stale_customer_keys_sensor
