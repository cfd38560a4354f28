"""Intermediate assets, one per model in ``sql/intermediate``."""

import dagster as dg

from seg_assets.defs.sql_model_assets import model_assets

defs = dg.Definitions(assets=model_assets("intermediate"))
