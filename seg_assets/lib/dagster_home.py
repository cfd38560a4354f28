"""The project-local Dagster home, so run history persists between `make demo` and `make ui`."""

import os
import shutil
from pathlib import Path

from seg_assets.lib.project import PROJECT_ROOT

# What earlier releases wrote: replaced by the project's dagster.yaml (run queue limits).
_EARLIER_DEFAULT = "telemetry:\n  enabled: false\n"


def project_instance_config() -> Path:
    """The project's ``dagster.yaml``: telemetry off, one warehouse run at a time."""
    return PROJECT_ROOT / "dagster.yaml"


def dagster_home() -> Path:
    """``DAGSTER_HOME`` if set, else ``.dagster_home`` in the project, created with the
    project's ``dagster.yaml`` (an operator's own file is left as it is)."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() == _EARLIER_DEFAULT:
        # Written aside and renamed: a process starting at the same moment reads the whole
        # file or none, never half of it.
        staged = config.with_name(f".dagster.yaml.{os.getpid()}")
        shutil.copyfile(project_instance_config(), staged)
        staged.replace(config)
    return home
