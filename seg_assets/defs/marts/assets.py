"""Marts assets, one per model in ``sql/marts``; the whale curve also shows its chart."""

import dagster as dg

from seg_assets.defs.marts.whale_curve import whale_curve_metadata
from seg_assets.defs.sql_model_assets import model_assets

defs = dg.Definitions(
    assets=model_assets("marts", extra_metadata={"fct_whale_curve": whale_curve_metadata})
)
