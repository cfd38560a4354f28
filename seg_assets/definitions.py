"""The code location of workspace.yaml: every domain's definitions, on one DuckDB warehouse.

The configuration is validated first, before any module reads its part: a malformed file shows
in the UI as one error listing every problem of every file (file, key, line), instead of the
first module's traceback or a location that loads and fails at run time.
"""

from seg_assets.lib.config.catalog import validate_configuration

validate_configuration()

from seg_assets.defs.code_location import build_definitions  # noqa: E402

defs = build_definitions()
