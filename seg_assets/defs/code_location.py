"""Every domain's definitions merged into the code location, on one DuckDB warehouse."""

import dagster as dg

from seg_assets.defs.automation import automation_defs, with_freshness
from seg_assets.defs.intermediate import assets as intermediate
from seg_assets.defs.jobs import full_refresh_job, segmentation_refresh_job
from seg_assets.defs.kpi import alerts as kpi_alerts
from seg_assets.defs.kpi import assets as kpi
from seg_assets.defs.kpi import differentials as kpi_differentials
from seg_assets.defs.marts import assets as marts
from seg_assets.defs.marts import cost_checks
from seg_assets.defs.mdm import assets as mdm
from seg_assets.defs.mdm import checks as mdm_checks
from seg_assets.defs.quality.checks import suite_checks
from seg_assets.defs.quality.plausibility import plausibility_checks
from seg_assets.defs.quality.report import dq_report_asset
from seg_assets.defs.resources import default_resources
from seg_assets.defs.segmentation import assets as segmentation
from seg_assets.defs.segmentation import checks as segmentation_checks
from seg_assets.defs.segmentation import drift as segmentation_drift
from seg_assets.defs.serving.assets import published_warehouse_asset
from seg_assets.defs.settings import assets as settings
from seg_assets.defs.sources import assets as sources
from seg_assets.defs.staging import assets as staging
from seg_assets.lib.errors import ModelDefinitionError


def _check_lineage(domain_defs: dg.Definitions) -> None:
    """Fail at load time if a SQL model reads a table that no asset produces."""
    assets = list(domain_defs.assets or [])
    produced = {key for asset in assets for key in asset.keys}
    for asset in assets:
        for key in asset.keys:
            missing = [dep for dep in asset.asset_deps.get(key, ()) if dep not in produced]
            if missing:
                raise ModelDefinitionError(
                    f"{key.to_user_string()} reads {', '.join(m.to_user_string() for m in missing)}"
                    " which no asset produces: check the table names in its SQL"
                )


def build_definitions() -> dg.Definitions:
    """All assets, checks, jobs and resources; DuckDB allows one writer, so steps run in-process."""
    domain_defs = dg.Definitions.merge(
        sources.defs,
        settings.defs,
        staging.defs,
        mdm.defs,
        intermediate.defs,
        marts.defs,
        segmentation.defs,
        segmentation_drift.defs,
        kpi.defs,
        kpi_differentials.defs,
        kpi_alerts.defs,
    )
    _check_lineage(domain_defs)
    asset_keys = [key for asset in domain_defs.assets or [] for key in asset.keys]
    checks = suite_checks(asset_keys)
    checked = sorted({key.asset_key for check in checks for key in check.check_keys})
    report = dq_report_asset(checked)
    automation, automation_settings = automation_defs()
    merged = dg.Definitions.merge(
        domain_defs,
        automation,
        dg.Definitions(
            assets=[report, published_warehouse_asset([*asset_keys, report.key])],
            asset_checks=[
                *checks,
                *plausibility_checks(list(sources.SOURCE_CONTRACTS.values())),
                *(mdm_checks.defs.asset_checks or []),
                *(cost_checks.defs.asset_checks or []),
                *(segmentation_checks.defs.asset_checks or []),
            ],
            jobs=[full_refresh_job, segmentation_refresh_job],
            resources=default_resources(),
            executor=dg.in_process_executor,
        ),
    )
    return with_freshness(merged, automation_settings)
