"""The project-local Dagster home, so run history persists between `make demo` and `make ui`."""

import os
from pathlib import Path

from seg_assets.lib.project import PROJECT_ROOT

_DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def dagster_home() -> Path:
    """``DAGSTER_HOME`` if set, else ``.dagster_home`` in the project, created with its yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(_DAGSTER_YAML)
    return home
