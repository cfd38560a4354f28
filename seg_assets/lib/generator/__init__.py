"""Deterministic synthetic source-system extracts (ERP, CRM, WMS, TMS, finance) with planted truth.

``generate(settings, landing_dir, truth_dir)`` writes every landing file of
``config/sources.yaml`` and the ground truth that evaluations compare against.
"""

from seg_assets.lib.generator.pipeline import GenerationReport, generate
from seg_assets.lib.generator.settings import (
    ArchetypeSwitch,
    DriftSettings,
    FaultRates,
    GeneratorConfigError,
    GeneratorSettings,
    MarketShift,
)

__all__ = [
    "ArchetypeSwitch",
    "DriftSettings",
    "FaultRates",
    "GenerationReport",
    "GeneratorConfigError",
    "GeneratorSettings",
    "MarketShift",
    "generate",
]
