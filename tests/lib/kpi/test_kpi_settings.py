"""config/kpi.yaml: the shipped file loads; mistakes are refused naming the file and the key."""

import pytest
import yaml

from seg_assets.lib.kpi.settings import KpiConfigError, load_kpi_settings
from seg_assets.lib.project import config_dir


def test_the_shipped_configuration_loads():
    settings = load_kpi_settings()
    assert settings.alerts.kpis["otif_rate_requested"] == "below"
    assert settings.differentials.resamples >= 1000


def _write(tmp_path, change) -> object:
    document = yaml.safe_load((config_dir() / "kpi.yaml").read_text())
    change(document)
    path = tmp_path / "kpi.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["alerts"].update(smoothing=1.5), "alerts.smoothing"),
        (lambda d: d["alerts"].update(sigmas=0), "alerts.sigmas"),
        (lambda d: d["alerts"].update(min_history_months=1), "alerts.min_history_months"),
        (lambda d: d["alerts"].update(dimensions=["segment", "planet"]), "alerts.dimensions[1]"),
        (lambda d: d["alerts"]["kpis"].update(otif=("below")), "alerts.kpis"),
        (lambda d: d["alerts"]["kpis"].update(dso_days="sideways"), "alerts.kpis.dso_days"),
        (lambda d: d["alerts"].update(sigma=3), "alerts.sigma"),
        (lambda d: d["differentials"].update(confidence=95), "differentials.confidence"),
        (lambda d: d.update(alert={}), "alert"),
    ],
)
def test_mistakes_name_the_file_and_the_key(tmp_path, change, key):
    path = _write(tmp_path, change)
    with pytest.raises(KpiConfigError) as raised:
        load_kpi_settings(path)
    assert str(raised.value).startswith(f"{path}: {key}: ")
