"""config/kpi.yaml: the shipped file loads; mistakes are refused naming the file, the line and
the key, and the KPIs alerts watch are columns of the KPI mart."""

import re

import pytest
import yaml

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.kpi.settings import (
    KPI_COLUMNS,
    KpiConfigError,
    default_kpi_settings_path,
    kpi_mart_columns,
    load_kpi_settings,
)


def _shipped() -> dict:
    return yaml.safe_load(default_kpi_settings_path().read_text())


def test_the_shipped_configuration_loads():
    settings, raw = load_kpi_settings(), _shipped()
    assert settings.alerts.kpis == raw["alerts"]["kpis"]
    assert settings.alerts.dimensions == tuple(raw["alerts"]["dimensions"])
    assert (settings.alerts.smoothing, settings.alerts.sigmas) == (0.3, 3.5)
    assert settings.alerts.min_history_months == raw["alerts"]["min_history_months"]
    assert settings.differentials.resamples == raw["differentials"]["bootstrap_resamples"]
    assert settings.differentials.confidence == raw["differentials"]["confidence"]
    assert settings.differentials.seed == raw["differentials"]["seed"]


def test_every_watchable_kpi_is_a_column_of_the_kpi_mart():
    columns = kpi_mart_columns()
    assert columns is not None
    assert set(KPI_COLUMNS) <= set(columns)


def _write(tmp_path, change) -> object:
    document = _shipped()
    change(document)
    path = tmp_path / "kpi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


MALFORMED = [
    pytest.param(
        lambda d: d["alerts"].update(sigma=3),
        "alerts.sigma",
        "unknown key; did you mean sigmas?",
        id="unknown-key",
    ),
    pytest.param(
        lambda d: d.update(alert={}),
        "alert",
        "unknown key; did you mean alerts?",
        id="unknown-section",
    ),
    pytest.param(
        lambda d: d.pop("differentials"), "differentials", "required", id="missing-section"
    ),
    pytest.param(
        lambda d: d["alerts"].update(smoothing=1.5),
        "alerts.smoothing",
        "less than 1",
        id="smoothing-above-one",
    ),
    pytest.param(
        lambda d: d["alerts"].update(smoothing="0.3"),
        "alerts.smoothing",
        "should be a valid number (got '0.3')",
        id="smoothing-as-text",
    ),
    pytest.param(
        lambda d: d["alerts"].update(sigmas=0), "alerts.sigmas", "greater than 0", id="sigmas-zero"
    ),
    pytest.param(
        lambda d: d["alerts"].update(min_history_months=1),
        "alerts.min_history_months",
        "greater than or equal to 2",
        id="one-month-of-history",
    ),
    pytest.param(
        lambda d: d["alerts"].update(min_history_months=True),
        "alerts.min_history_months",
        "should be a valid integer (got True)",
        id="history-boolean",
    ),
    pytest.param(
        lambda d: d["alerts"].update(dimensions=["segment", "planet"]),
        "alerts.dimensions[1]",
        "should be 'segment', 'tier', 'region' or 'all' (got 'planet')",
        id="unknown-dimension",
    ),
    pytest.param(
        lambda d: d["alerts"].update(dimensions=[]),
        "alerts.dimensions",
        "at least 1 item",
        id="no-dimension",
    ),
    pytest.param(
        lambda d: d["alerts"].update(dimensions=["segment", "segment"]),
        "alerts.dimensions",
        "segment listed more than once",
        id="dimension-twice",
    ),
    pytest.param(
        lambda d: d["alerts"]["kpis"].update(otif_rate_request="below"),
        "alerts.kpis.otif_rate_request",
        "'otif_rate_request' is not a KPI of kpi.fct_segment_kpi_months alerts can watch; "
        "did you mean otif_rate_requested?",
        id="unknown-kpi",
    ),
    pytest.param(
        lambda d: d["alerts"]["kpis"].update(dso_days="sideways"),
        "alerts.kpis.dso_days",
        "should be 'below', 'above' or 'both' (got 'sideways')",
        id="unknown-side",
    ),
    pytest.param(
        lambda d: d["alerts"].update(kpis={}), "alerts.kpis", "at least 1 item", id="no-kpi"
    ),
    pytest.param(
        lambda d: d["differentials"].update(confidence=95),
        "differentials.confidence",
        "less than 1",
        id="confidence-as-percent",
    ),
    pytest.param(
        lambda d: d["differentials"].update(bootstrap_resamples=0),
        "differentials.bootstrap_resamples",
        "greater than or equal to 1",
        id="no-resamples",
    ),
    pytest.param(
        lambda d: d["differentials"].update(seed=-1),
        "differentials.seed",
        "greater than or equal to 0",
        id="negative-seed",
    ),
]


@pytest.mark.parametrize(("change", "key", "says"), MALFORMED)
def test_mistakes_name_the_file_the_line_and_the_key(tmp_path, change, key, says):
    path = _write(tmp_path, change)
    with pytest.raises(KpiConfigError) as raised:
        load_kpi_settings(path)
    assert isinstance(raised.value, ConfigFileError)
    assert re.match(
        rf"{re.escape(str(path))}: line \d+, column \d+: {re.escape(key)}: ", str(raised.value)
    )
    assert says in str(raised.value)


def test_every_mistake_of_the_file_is_reported_at_once(tmp_path):
    def several(document: dict) -> None:
        document["alerts"]["sigmas"] = -1
        document["alerts"]["kpis"]["dso_days"] = "down"
        document["differentials"]["seeed"] = 1

    path = _write(tmp_path, several)
    with pytest.raises(KpiConfigError) as raised:
        load_kpi_settings(path)
    assert str(raised.value).startswith(f"{path}: 3 errors:\n")
    assert [problem.key for problem in raised.value.problems] == [
        "alerts.sigmas",
        "alerts.kpis.dso_days",
        "differentials.seeed",
    ]


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "kpi.yaml"
    path.write_text("alerts:\n  smoothing: 0.3\n  kpis: {dso_days: above\n")
    with pytest.raises(KpiConfigError, match=re.escape(f"{path}: line 4, column 1: invalid YAML")):
        load_kpi_settings(path)
