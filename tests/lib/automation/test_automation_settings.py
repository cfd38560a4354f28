"""config/automation.yaml: the shipped file reads, and every malformed entry is named."""

from pathlib import Path

import pytest
import yaml

from seg_assets.lib.automation.settings import (
    DRIFT_METRICS,
    AutomationConfigError,
    default_automation_settings_path,
    load_automation_settings,
)


def _write(tmp_path: Path, edit) -> Path:
    document = yaml.safe_load(default_automation_settings_path().read_text())
    edit(document)
    path = tmp_path / "automation.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_shipped_settings_use_the_literature_psi_levels():
    settings = load_automation_settings()
    assert (settings.drift.thresholds["psi"].watch, settings.drift.thresholds["psi"].act) == (
        0.1,
        0.25,
    )
    assert set(settings.drift.thresholds) == set(DRIFT_METRICS)
    assert settings.landing.via_parent["erp__order_lines"].parent == "erp__orders"
    assert settings.cron == "0 6 2 * *"
    assert settings.drift_dry_run is False


@pytest.mark.parametrize(
    ("edit", "where", "says"),
    [
        (
            lambda d: d["drift"]["thresholds"]["psi"].update(watch=0.3),
            "drift.thresholds.psi",
            "watch 0.3 is above act 0.25",
        ),
        (lambda d: d["drift"]["thresholds"].pop("ks"), "drift.thresholds", "missing metric"),
        (
            lambda d: d["drift"]["thresholds"].update(psl={"watch": 1, "act": 2}),
            "drift.thresholds",
            "unknown metric",
        ),
        (lambda d: d["schedule"].update(cron="every month"), "schedule.cron", "five fields"),
        (lambda d: d["sensors"].update(drift_dry_run="yes"), "sensors.drift_dry_run", "true or"),
        (
            lambda d: d["landing"]["months_via_parent"]["erp__order_lines"].update(
                parent="erp__nothing"
            ),
            "landing.months_via_parent.erp__order_lines.parent",
            "months_by_date",
        ),
        (lambda d: d["drift"].update(bins=1), "drift.bins", "at least 2"),
        (
            lambda d: d["freshness"].update(warn_after_days=50),
            "freshness",
            "warn_after_days 50 is above",
        ),
    ],
)
def test_a_malformed_entry_names_the_file_and_the_key(tmp_path, edit, where, says):
    path = _write(tmp_path, edit)
    with pytest.raises(AutomationConfigError) as error:
        load_automation_settings(path)
    assert str(path) in str(error.value)
    assert f"{where}:" in str(error.value)
    assert says in str(error.value)
