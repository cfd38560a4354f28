"""Bad inputs that must stop the run: one clear error naming the system, file, line and column,
and the serving file left byte for byte as the clean run published it."""

import pytest
from conftest import assert_failed_before_any_step, query
from corpus import MART_TOTAL, Case, cases, run_case

from seg_assets.defs.sources.assets import raw_asset_key


@pytest.mark.parametrize("case", cases("error"))
def test_the_run_fails_with_one_clear_error_and_the_serving_file_stays(
    case: Case, tiny_warehouse, tmp_path
):
    run = run_case(case, tiny_warehouse, tmp_path)
    assert not run.result.success
    [contract] = case.sources
    where = f"{contract.system}: {contract.landing_file(run.landing)}: "
    if case.expect.get("caught_before_any_step"):
        # The file's header or its absence: the run's preflight refuses it before any step.
        refused = assert_failed_before_any_step(run.result)
        [message] = [line for line in refused.splitlines() if line.startswith(where)]
    else:
        [failure] = run.result.get_step_failure_events()
        assert failure.step_key == raw_asset_key(contract.name).to_python_identifier()
        cause = failure.step_failure_data.error.cause
        assert cause is not None and cause.cls_name == "SourceContractError"
        message = cause.message.removeprefix("seg_assets.lib.errors.SourceContractError: ")
        message = message.rstrip()
    assert message.startswith(where)
    # One readable line: no traceback, no DuckDB dump of reader settings and possible fixes.
    assert "\n" not in message and "Traceback" not in message and "Possible" not in message
    for fragment in case.expect["contains"]:
        assert fragment in message
    assert run.serving.read_bytes() == run.published_before
    assert query(run.serving, MART_TOTAL) == query(tiny_warehouse[0], MART_TOTAL)
