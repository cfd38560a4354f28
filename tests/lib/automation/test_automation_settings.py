"""config/automation.yaml: the shipped file reads, every malformed entry is named with its file,
line and key, and names are resolved against sources, the feature mart, tiers and groups."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from seg_assets.lib.automation.settings import (
    DRIFT_METRICS,
    AutomationConfigError,
    asset_groups,
    default_automation_settings_path,
    load_automation_settings,
)
from seg_assets.lib.config import ConfigFileError


def _shipped() -> dict:
    return yaml.safe_load(default_automation_settings_path().read_text())


def _write(tmp_path: Path, edit) -> Path:
    document = _shipped()
    edit(document)
    path = tmp_path / "automation.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_the_shipped_settings_use_the_literature_psi_levels():
    settings = load_automation_settings()
    assert (settings.drift.thresholds["psi"].watch, settings.drift.thresholds["psi"].act) == (
        0.1,
        0.25,
    )
    assert list(settings.drift.thresholds) == list(DRIFT_METRICS)
    assert settings.landing.via_parent["erp__order_lines"].parent == "erp__orders"
    assert settings.cron == "0 6 2 * *"
    assert settings.drift_dry_run is False


def test_the_shipped_settings_read_every_entry():
    settings, raw = load_automation_settings(), _shipped()
    assert (settings.cron, settings.timezone) == (raw["schedule"]["cron"], "UTC")
    for key, value in raw["sensors"].items():
        assert getattr(settings, key) == value
    assert settings.landing.by_date == raw["landing"]["months_by_date"]
    assert settings.landing.all_months == tuple(raw["landing"]["all_months"])
    assert settings.drift.categorical_features == tuple(raw["drift"]["categorical_features"])
    assert settings.guard.limits.impact.min_group_customers == 20
    assert settings.guard.service_levels.level_of("Strategic accounts", "Gold") == 1
    assert settings.guard.service_levels.level_of("Core", None) == 3
    assert settings.freshness_groups == ("marts", "kpi")
    assert (settings.warn_after_days, settings.fail_after_days) == (32, 40)


def test_omitted_sections_take_the_defaults(tmp_path):
    def minimal(document: dict) -> None:
        for section in ("sensors", "landing", "guard", "freshness"):
            del document[section]
        del document["schedule"]["timezone"]
        del document["drift"]["bins"]

    settings = load_automation_settings(_write(tmp_path, minimal))
    assert settings.timezone == "UTC"
    assert (settings.landing_interval_seconds, settings.landing_settle_seconds) == (60, 30)
    assert settings.stale_keys_interval_seconds == 300
    assert settings.drift.bins == 10
    assert settings.landing.by_date == {}
    assert settings.guard.limits.min_bootstrap_ari == 0.7
    assert settings.guard.service_levels.default == 3
    assert settings.freshness_groups == ()


def test_with_sensors_changes_a_sensor_setting_and_validates_it():
    settings = load_automation_settings()
    quick = settings.with_sensors(landing_settle_seconds=0, drift_dry_run=True)
    assert (quick.landing_settle_seconds, quick.drift_dry_run) == (0, True)
    assert quick.drift == settings.drift
    with pytest.raises(ValidationError, match="landing_settle_seconds"):
        settings.with_sensors(landing_settle_seconds=-1)


def _set(section: str, **entries):
    return lambda document: document[section].update(entries)


def _set_in(*keys: str, **entries):
    def edit(document: dict) -> None:
        target = document
        for key in keys:
            target = target[key]
        target.update(entries)

    return edit


def _rename(section: str, old: str, new: str):
    def edit(document: dict) -> None:
        document[section][new] = document[section].pop(old)

    return edit


MALFORMED = [
    pytest.param(
        _rename("sensors", "landing_interval_seconds", "landing_interval_secs"),
        "sensors.landing_interval_secs",
        "unknown key; did you mean landing_interval_seconds?",
        id="unknown-key",
    ),
    pytest.param(
        lambda d: d.update(sensor=d.pop("sensors")),
        "sensor",
        "unknown key; did you mean sensors?",
        id="unknown-section",
    ),
    pytest.param(
        _set("sensors", drift_dry_run="yes"),
        "sensors.drift_dry_run",
        "should be a valid boolean (got 'yes')",
        id="flag-as-text",
    ),
    pytest.param(
        _set("sensors", landing_interval_seconds="60"),
        "sensors.landing_interval_seconds",
        "should be a valid integer (got '60')",
        id="number-as-text",
    ),
    pytest.param(
        _set("sensors", drift_interval_seconds=0),
        "sensors.drift_interval_seconds",
        "greater than or equal to 1",
        id="interval-zero",
    ),
    pytest.param(
        _set("sensors", landing_settle_seconds=-5),
        "sensors.landing_settle_seconds",
        "greater than or equal to 0",
        id="negative-settle",
    ),
    pytest.param(
        _set("schedule", cron="every month"), "schedule.cron", "five fields", id="cron-words"
    ),
    pytest.param(
        _set("schedule", cron="0 25 2 * *"),
        "schedule.cron",
        "hour '25' of '0 25 2 * *' is outside 0-23",
        id="cron-hour",
    ),
    pytest.param(
        _set("schedule", timezone="Mars/Olympus"),
        "schedule.timezone",
        "not a time zone of the IANA database",
        id="timezone",
    ),
    pytest.param(lambda d: d["schedule"].pop("cron"), "schedule.cron", "required", id="no-cron"),
    pytest.param(_set("drift", bins=1), "drift.bins", "greater than or equal to 2", id="one-bin"),
    pytest.param(
        _set("drift", psi_floor=0), "drift.psi_floor", "greater than 0", id="psi-floor-zero"
    ),
    pytest.param(
        _set_in("drift", "thresholds", "psi", watch=0.3),
        "drift.thresholds.psi.watch",
        "watch 0.3 is above act 0.25",
        id="unordered-threshold",
    ),
    pytest.param(
        _set_in("drift", "thresholds", "ks", act=-0.2),
        "drift.thresholds.ks.act",
        "greater than or equal to 0",
        id="negative-threshold",
    ),
    pytest.param(
        _set_in("drift", "thresholds", "switched_share", act=1.5),
        "drift.thresholds.switched_share.act",
        "1.5 can never be reached: switched_share is at most 1",
        id="unreachable-threshold",
    ),
    pytest.param(
        lambda d: d["drift"]["thresholds"].pop("ks"),
        "drift.thresholds",
        "missing metric(s) ks",
        id="missing-metric",
    ),
    pytest.param(
        _set_in("drift", "thresholds", psl={"watch": 1, "act": 2}),
        "drift.thresholds.psl",
        "unknown drift metric; did you mean psi?",
        id="unknown-metric",
    ),
    pytest.param(
        _set("drift", categorical_features=["abc_klass", "xyz_class"]),
        "drift.categorical_features[0]",
        "'abc_klass' is not a column of marts.fct_customer_features; did you mean abc_class?",
        id="categorical-not-a-mart-column",
    ),
    pytest.param(
        _set("drift", categorical_features=["abc_class", "abc_class"]),
        "drift.categorical_features",
        "abc_class listed more than once",
        id="categorical-twice",
    ),
    pytest.param(
        _set_in("landing", "months_by_date", erp__ordrs="order_date"),
        "landing.months_by_date.erp__ordrs",
        "'erp__ordrs' is not a source of config/sources.yaml; did you mean erp__orders?",
        id="unknown-source",
    ),
    pytest.param(
        _set_in("landing", "months_by_date", erp__orders="order_dt"),
        "landing.months_by_date.erp__orders",
        "'order_dt' is not a column of erp__orders in config/sources.yaml; did you mean "
        "order_date?",
        id="unknown-date-column",
    ),
    pytest.param(
        _set_in("landing", "months_by_date", erp__orders="order_id"),
        "landing.months_by_date.erp__orders",
        "order_id is VARCHAR in config/sources.yaml: name a DATE or TIMESTAMP column",
        id="date-column-not-a-date",
    ),
    pytest.param(
        _set_in("landing", "months_via_parent", "erp__order_lines", parent="erp__nothing"),
        "landing.months_via_parent.erp__order_lines.parent",
        "'erp__nothing' must be listed under landing.months_by_date",
        id="parent-without-dates",
    ),
    pytest.param(
        _set_in("landing", "months_via_parent", "erp__order_lines", key="order_no"),
        "landing.months_via_parent.erp__order_lines.key",
        "'order_no' is not a column of erp__order_lines in config/sources.yaml",
        id="join-key-not-a-column",
    ),
    pytest.param(
        _set_in("landing", "months_via_parent", erp__orders={"parent": "erp__orders", "key": "x"}),
        "landing.months_via_parent.erp__orders",
        "also listed under landing.months_by_date: list a source once",
        id="source-dated-twice",
    ),
    pytest.param(
        _set_in("landing", "months_also_via", "tms__shipments", parent="erp__customers"),
        "landing.months_also_via.tms__shipments.parent",
        "'erp__customers' must be listed under landing.months_by_date or",
        id="also-via-undated-parent",
    ),
    pytest.param(
        _set_in(
            "landing",
            "months_also_via",
            erp__orders={"parent": "tms__shipments", "key": "order_id"},
        ),
        "landing.months_also_via.tms__shipments.parent",
        "'erp__orders' takes its months from tms__shipments",
        id="also-via-cycle",
    ),
    pytest.param(
        _set("landing", all_months=["erp__prodcts"]),
        "landing.all_months[0]",
        "did you mean erp__products?",
        id="all-months-unknown-source",
    ),
    pytest.param(
        _set("landing", all_months=["erp__products", "erp__orders"]),
        "landing.all_months",
        "erp__orders also dated under months_by_date",
        id="all-months-dated-source",
    ),
    pytest.param(
        _set("guard", min_bootstrap_ari=1.2),
        "guard.min_bootstrap_ari",
        "less than 1",
        id="ari-above-one",
    ),
    pytest.param(
        _set_in("guard", "impact", max_customer_share=0),
        "guard.impact.max_customer_share",
        "greater than 0",
        id="share-zero",
    ),
    pytest.param(
        _set_in("guard", "impact", min_group_customers=2.5),
        "guard.impact.min_group_customers",
        "should be a valid integer (got 2.5)",
        id="count-fraction",
    ),
    pytest.param(
        _set_in("guard", "service_levels", "tiers", Platnum=1),
        "guard.service_levels.tiers.Platnum",
        "'Platnum' is not a tier of config/marts.yaml customer_tiers; did you mean Platinum?",
        id="unknown-tier",
    ),
    pytest.param(
        _set_in("guard", "service_levels", default=0),
        "guard.service_levels.default",
        "greater than or equal to 1",
        id="level-zero",
    ),
    pytest.param(
        _set("freshness", warn_after_days=40),
        "freshness.warn_after_days",
        "warn_after_days 40 must be below fail_after_days 40",
        id="warn-not-before-fail",
    ),
    pytest.param(
        _set("freshness", groups=["marts", "kpis"]),
        "freshness.groups[1]",
        "'kpis' is not an asset group; did you mean kpi?",
        id="unknown-group",
    ),
]


@pytest.mark.parametrize(("edit", "key", "says"), MALFORMED)
def test_a_malformed_entry_names_the_file_the_line_and_the_key(tmp_path, edit, key, says):
    path = _write(tmp_path, edit)
    with pytest.raises(AutomationConfigError) as raised:
        load_automation_settings(path)
    error = raised.value
    assert isinstance(error, ConfigFileError)
    assert re.match(
        rf"{re.escape(str(path))}: line \d+, column \d+: {re.escape(key)}: ", str(error)
    )
    assert says in str(error)
    # The line named is the entry's own (a missing entry's: its section's) line in the file.
    [problem] = error.problems
    assert problem.position is not None
    line = path.read_text().splitlines()[problem.position[0] - 1].lstrip()
    deepest = next(part for part in reversed(problem.key_path) if isinstance(part, str))
    assert line.startswith((f"{deepest}:", "- ")) or says == "required"


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    def several(document: dict) -> None:
        document["schedule"]["cron"] = "0 6 2 *"
        document["sensors"]["drift_dry_run"] = "no"
        document["guard"]["impact"]["max_margin_share"] = 5

    path = _write(tmp_path, several)
    with pytest.raises(AutomationConfigError) as raised:
        load_automation_settings(path)
    assert str(raised.value).startswith(f"{path}: 3 errors:\n")
    assert [problem.key for problem in raised.value.problems] == [
        "schedule.cron",
        "sensors.drift_dry_run",
        "guard.impact.max_margin_share",
    ]


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        pytest.param(
            "schedule:\n  cron: '0 6 2 * *'\n   timezone: UTC\n",
            "line 3, column 4",
            "invalid YAML",
            id="yaml-syntax",
        ),
        pytest.param(
            "schedule:\n  cron: '0 6 2 * *'\n  cron: '0 7 2 * *'\n",
            "line 3, column 3: schedule.cron",
            "duplicate key",
            id="duplicate-key",
        ),
        pytest.param("- schedule\n", "line 1, column 1", "expected a mapping", id="a-list"),
    ],
)
def test_a_file_that_is_not_yaml_settings_is_refused_with_its_line(tmp_path, text, where, says):
    path = tmp_path / "automation.yaml"
    path.write_text(text)
    with pytest.raises(AutomationConfigError) as raised:
        load_automation_settings(path)
    assert str(raised.value).startswith(f"{path}: {where}")
    assert says in str(raised.value)


def test_asset_groups_hold_the_sql_schemas_and_the_python_domains():
    groups = asset_groups()
    assert {"staging", "marts", "kpi", "mdm", "segmentation", "serving", "sources"} <= set(groups)
    assert "__pycache__" not in groups


def test_a_malformed_referenced_file_leaves_its_references_unchecked(tmp_path, monkeypatch):
    """config/sources.yaml and config/marts.yaml report their own errors; the automation file
    still loads, its landing sources and tiers unchecked."""
    folder = tmp_path / "config"
    shutil.copytree(default_automation_settings_path().parent, folder)
    (folder / "sources.yaml").write_text("sources: [\n")
    (folder / "marts.yaml").write_text("customer_tiers: {}\n")
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(folder))

    def typos(document: dict) -> None:
        document["landing"]["months_by_date"]["erp__ordrs"] = "order_date"
        document["guard"]["service_levels"]["tiers"]["Platnum"] = 1

    settings = load_automation_settings(_write(tmp_path, typos))
    assert "erp__ordrs" in settings.landing.by_date
    assert settings.guard.service_levels.tiers["Platnum"] == 1
