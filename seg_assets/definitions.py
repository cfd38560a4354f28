"""The code location: every domain's definitions merged, on one DuckDB warehouse."""

import dagster as dg

from seg_assets.defs.intermediate.assets import defs as intermediate_defs
from seg_assets.defs.jobs import full_refresh_job
from seg_assets.defs.marts.assets import defs as marts_defs
from seg_assets.defs.quality.checks import suite_checks
from seg_assets.defs.resources import default_resources
from seg_assets.defs.sources.assets import defs as sources_defs
from seg_assets.defs.staging.assets import defs as staging_defs
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
    domain_defs = dg.Definitions.merge(sources_defs, staging_defs, intermediate_defs, marts_defs)
    _check_lineage(domain_defs)
    asset_keys = [key for asset in domain_defs.assets or [] for key in asset.keys]
    return dg.Definitions.merge(
        domain_defs,
        dg.Definitions(
            asset_checks=suite_checks(asset_keys),
            jobs=[full_refresh_job],
            resources=default_resources(),
            executor=dg.in_process_executor,
        ),
    )


defs = build_definitions()
