"""Schedules, sensors and freshness: the platform refreshes itself, one warehouse run at a time."""

import warnings
from datetime import timedelta

import dagster as dg

from seg_assets.defs.automation.drift import build_drift_sensor
from seg_assets.defs.automation.landing import build_landing_sensor
from seg_assets.defs.automation.schedule import build_monthly_schedule
from seg_assets.defs.automation.stale_keys import build_stale_keys_sensor
from seg_assets.lib.automation.settings import AutomationSettings, load_automation_settings


def with_freshness(defs: dg.Definitions, settings: AutomationSettings) -> dg.Definitions:
    """``defs`` with a freshness policy on every asset of the groups BI tools read, so the UI
    shows them overdue when the monthly refresh did not happen."""
    policy = dg.FreshnessPolicy.time_window(
        fail_window=timedelta(days=settings.fail_after_days),
        warn_window=timedelta(days=settings.warn_after_days),
    )
    if not settings.freshness_groups:
        return defs
    with warnings.catch_warnings():
        # Preview in Dagster 1.13, and the one way to set a policy on assets built elsewhere.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_resolved_asset_specs(
            func=lambda spec: spec.replace_attributes(freshness_policy=policy),
            selection=dg.AssetSelection.groups(*settings.freshness_groups),
        )


def automation_defs() -> tuple[dg.Definitions, AutomationSettings]:
    """The schedule and sensors built from config/automation.yaml, and those settings."""
    # Landing sources and their columns are checked against config/sources.yaml on load.
    settings = load_automation_settings()
    defs = dg.Definitions(
        schedules=[build_monthly_schedule(settings)],
        sensors=[
            build_landing_sensor(settings),
            build_drift_sensor(settings),
            build_stale_keys_sensor(settings),
        ],
    )
    return defs, settings
