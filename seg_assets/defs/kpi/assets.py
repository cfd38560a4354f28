"""KPI assets, one per model in ``sql/kpi``: everything downstream of segmentation."""

import dagster as dg

from seg_assets.defs.sql_model_assets import model_assets

defs = dg.Definitions(assets=model_assets("kpi"))
