"""The code location, loaded from workspace.yaml by a code server as `dagster dev` loads it,
reports a malformed configuration as its load error: every problem with file, key and line,
which the UI shows on the location, instead of a location that loads and fails at run time."""

import dagster as dg
from conftest import config_copy
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from seg_assets.cli.launch import workspace_file


def test_the_location_load_error_lists_every_configuration_problem(tmp_path, monkeypatch):
    folder = config_copy(tmp_path, "segmentation.yaml", retrain_every_month=3)
    config_copy(tmp_path, "kpi.yaml", alert={})
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(folder))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()

    with (
        dg.DagsterInstance.get() as instance,
        WorkspaceProcessContext(instance, WorkspaceFileTarget([workspace_file()])) as process,
    ):
        workspace = process.create_request_context()
        [name] = workspace.code_location_names
        error = workspace.get_code_location_error(name)

    assert error is not None and error.cause is not None
    # The UI shows the load error with its cause: ours, with every problem of every file.
    assert error.cause.cls_name == "ConfigurationError"
    message = error.cause.message
    assert "has errors in 2 files; nothing was run" in message
    assert f"{folder / 'segmentation.yaml'}: line " in message
    assert "retrain_every_month: unknown key; did you mean retrain_every_months?" in message
    assert "alert: unknown key; did you mean alerts?" in message
