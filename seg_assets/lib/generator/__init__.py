"""Deterministic synthetic source-system extracts (ERP, CRM, WMS, TMS, finance) with planted truth.

``generate(settings, landing_dir, truth_dir)`` writes every landing file of
``config/sources.yaml`` and the ground truth that evaluations compare against.
"""

from seg_assets.lib.generator.pipeline import GenerationReport, generate
from seg_assets.lib.generator.settings import FaultRates, GeneratorConfigError, GeneratorSettings

__all__ = [
    "FaultRates",
    "GenerationReport",
    "GeneratorConfigError",
    "GeneratorSettings",
    "generate",
]
