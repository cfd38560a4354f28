"""Every configuration file the platform reads, validated together: ``seg-assets check``, the
code location's load and each run's start call this before anything else reads a setting."""

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seg_assets.lib.automation.settings import load_automation_settings
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.generator.settings import GeneratorSettings
from seg_assets.lib.kpi.settings import load_kpi_settings
from seg_assets.lib.mart_settings import load_mart_settings
from seg_assets.lib.mdm.overrides import load_overrides
from seg_assets.lib.mdm.settings import load_mdm_settings
from seg_assets.lib.pipeline_settings import load_pipeline_settings, load_quarantine_rules
from seg_assets.lib.project import config_dir
from seg_assets.lib.quality.suite_parameters import quality_settings
from seg_assets.lib.segmentation.settings import load_segmentation_settings
from seg_assets.lib.serving.views import load_bi_views
from seg_assets.lib.source_contracts import load_source_contracts


@dataclass(frozen=True)
class ConfigFile:
    """A file under config/ and the loader that validates it (from ``SEG_ASSETS_CONFIG``)."""

    name: str
    purpose: str
    load: Callable[[], object]

    @property
    def path(self) -> Path:
        """Where the file is read from."""
        return config_dir() / self.name


CONFIG_FILES: tuple[ConfigFile, ...] = (
    ConfigFile("pipeline.yaml", "DuckDB limits and the as-of date", load_pipeline_settings),
    ConfigFile(
        "sources.yaml",
        "landing files and their columns",
        lambda: load_source_contracts(config_dir() / "sources.yaml"),
    ),
    ConfigFile("quarantine_rules.yaml", "why rows are quarantined", load_quarantine_rules),
    ConfigFile("quality.yaml", "data-quality thresholds of the suites", quality_settings),
    ConfigFile("mdm.yaml", "customer matching and hierarchy", load_mdm_settings),
    ConfigFile("mdm_overrides.yaml", "steward decisions on master data", load_overrides),
    ConfigFile("marts.yaml", "business rules of the marts", load_mart_settings),
    ConfigFile("segmentation.yaml", "features and model selection", load_segmentation_settings),
    ConfigFile("kpi.yaml", "KPI marts and alerts", load_kpi_settings),
    ConfigFile(
        "automation.yaml", "sensors, schedules and the model guard", load_automation_settings
    ),
    ConfigFile("serving.yaml", "the bi views of the serving file", load_bi_views),
    ConfigFile(
        "generator.yaml",
        "the synthetic data of the demo",
        lambda: GeneratorSettings.from_yaml(config_dir() / "generator.yaml"),
    ),
)


class ConfigurationError(SegAssetsError):
    """One or more configuration files are malformed; ``errors`` holds each file's error."""

    def __init__(self, errors: list[SegAssetsError]) -> None:
        self.errors = errors
        files = "1 file" if len(errors) == 1 else f"{len(errors)} files"
        listed = "\n".join(str(error) for error in errors)
        super().__init__(
            f"the configuration in {config_dir()} has errors in {files}; nothing was run:\n{listed}"
        )


def _unknown_files() -> list[SegAssetsError]:
    """Files in the folder that nothing reads: most often a misspelt name whose settings
    would otherwise be ignored for the defaults."""
    known = [config_file.name for config_file in CONFIG_FILES]
    errors: list[SegAssetsError] = []
    for path in sorted(config_dir().glob("*.y*ml")):
        if path.name not in known:
            close = difflib.get_close_matches(path.name, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"expected {', '.join(known)}"
            errors.append(
                SegAssetsError(f"{path}: no part of the platform reads this file; {hint}")
            )
    return errors


def configuration_errors() -> list[SegAssetsError]:
    """Every configuration problem, one error per file (each listing all of its problems)."""
    errors = _unknown_files()
    for config_file in CONFIG_FILES:
        try:
            config_file.load()
        except SegAssetsError as error:
            errors.append(error)
    return errors


def validate_configuration() -> None:
    """Raise ``ConfigurationError`` naming every malformed file, or return quietly."""
    errors = configuration_errors()
    if errors:
        raise ConfigurationError(errors)
