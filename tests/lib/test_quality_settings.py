"""config/quality.yaml: the shipped file loads and matches the suites; a malformed threshold, a
setting no suite reads and a suite reading a setting the file lacks are refused naming the
file, the entry and its line."""

import json
from pathlib import Path

import pytest
import yaml
from config_problems import assert_names_entry

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.project import expectations_dir
from seg_assets.lib.quality.suite_parameters import (
    QualityConfigError,
    default_quality_settings_path,
    load_quality_settings,
    quality_settings,
    settings_used,
    suite_settings,
)
from seg_assets.lib.quality.suites import read_suite

SHIPPED = yaml.safe_load(default_quality_settings_path().read_text())


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "quality.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def changed(section: str, **entries: object) -> dict:
    """The shipped settings with entries of ``section`` replaced (``()`` removes one)."""
    document = {name: dict(values) for name, values in SHIPPED.items()}
    document[section].update(entries)
    document[section] = {key: value for key, value in document[section].items() if value != ()}
    return document


def _suite(folder: Path, name: str, parameters: dict) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"name": name, "meta": {"parameters": parameters}}))
    return path


def test_the_shipped_settings_load_and_match_the_suites():
    settings = quality_settings()
    assert settings == load_quality_settings()
    assert settings.validation.batch_rows == SHIPPED["validation"]["batch_rows"]
    assert settings.validation.unique_batch_rows == SHIPPED["validation"]["unique_batch_rows"]
    assert settings.thresholds.as_mapping() == SHIPPED["thresholds"]


def test_the_settings_a_suite_reads_include_those_behind_computed_parameters(tmp_path):
    path = _suite(
        tmp_path,
        "lines",
        {
            "max_missing": {"setting": "freight_cost_missing_max_share"},
            "outlier_max": {
                "robust_z_bound": {"column": "c", "side": "max", "z": "outlier_robust_z"}
            },
            "rows_min": {"previous_row_count": {"side": "min", "band": "row_count_band"}},
            "unknown": {"values_missing_from": {"column": "c", "reference": "s.t.c"}},
        },
    )
    assert settings_used(read_suite(path)) == {
        "freight_cost_missing_max_share": "max_missing",
        "outlier_robust_z": "outlier_max",
        "outlier_min_values": "outlier_max",
        "row_count_band": "rows_min",
    }
    shipped = suite_settings(sorted(expectations_dir().glob("*.json")))
    assert set(shipped) == set(SHIPPED["thresholds"])
    assert shipped["freight_cost_missing_max_share"] == (
        "expectations/stg_tms__shipments.json (freight_cost_missing_max_share)",
    )


def test_settings_unchecked_against_suites_may_leave_thresholds_out(tmp_path):
    document = changed("thresholds", freight_cost_missing_max_share=(), row_count_band=())
    settings = load_quality_settings(_write(tmp_path, document), check_suites=False)
    assert settings.thresholds.as_mapping() == {"outlier_robust_z": 3.5, "outlier_min_values": 30}


# (the document, the entry blamed, the message)
MALFORMED = [
    pytest.param(
        changed("validation", batch_row=10),
        "validation.batch_row",
        "unknown key; did you mean batch_rows?",
        id="unknown-key",
    ),
    pytest.param(
        changed("validation", batch_rows=0),
        "validation.batch_rows",
        "should be greater than or equal to 1 (got 0)",
        id="zero-batch",
    ),
    pytest.param(
        changed("validation", unique_batch_rows="20M"),
        "validation.unique_batch_rows",
        "should be a valid integer (got '20M')",
        id="batch-as-text",
    ),
    pytest.param(
        changed("validation", unique_batch_rows=()),
        "validation.unique_batch_rows",
        "required",
        id="missing-setting",
    ),
    pytest.param(
        changed("thresholds", freight_cost_missing_max_share=1.5),
        "thresholds.freight_cost_missing_max_share",
        "should be less than or equal to 1 (got 1.5)",
        id="share-above-1",
    ),
    pytest.param(
        changed("thresholds", row_count_band=-0.1),
        "thresholds.row_count_band",
        "should be greater than or equal to 0 (got -0.1)",
        id="negative-band",
    ),
    pytest.param(
        changed("thresholds", outlier_robust_z=0),
        "thresholds.outlier_robust_z",
        "should be greater than 0 (got 0)",
        id="zero-z",
    ),
    pytest.param(
        changed("thresholds", outlier_min_values=2.5),
        "thresholds.outlier_min_values",
        "should be a valid integer (got 2.5)",
        id="min-values-fraction",
    ),
    pytest.param(
        changed("thresholds", outlier_robust_zz=3),
        "thresholds.outlier_robust_zz",
        "unknown key; did you mean outlier_robust_z?",
        id="unknown-threshold",
    ),
    pytest.param(
        changed("thresholds", row_count_band=()),
        "thresholds.row_count_band",
        "required: expectations/fct_order_lines.json (row_count_min),"
        " expectations/stg_crm__accounts.json (row_count_min),"
        " expectations/stg_erp__customers.json (row_count_min) and 11 more suite(s) read(s) it",
        id="threshold-a-suite-reads-unset",
    ),
]


@pytest.mark.parametrize(("document", "entry", "message"), MALFORMED)
def test_a_malformed_setting_names_the_file_the_entry_and_its_line(
    tmp_path, document, entry, message
):
    with pytest.raises(QualityConfigError) as raised:
        load_quality_settings(_write(tmp_path, document))
    assert_names_entry(raised.value, entry, message)
    assert isinstance(raised.value, ConfigFileError)


def test_a_setting_no_suite_reads_is_refused(tmp_path):
    suites = tmp_path / "suites"
    _suite(
        suites, "t", {"rows_min": {"previous_row_count": {"side": "min", "band": "row_count_band"}}}
    )
    document = {
        "validation": SHIPPED["validation"],
        "thresholds": {"row_count_band": 0.5, "outlier_robust_z": 3},
    }
    with pytest.raises(QualityConfigError) as raised:
        load_quality_settings(_write(tmp_path, document), suites_dir=suites)
    assert_names_entry(
        raised.value,
        "thresholds.outlier_robust_z",
        "no suite in expectations/ reads this setting; remove it, or read it in a suite as"
        ' {"setting": "outlier_robust_z"}',
    )


def test_a_suite_reading_a_setting_that_does_not_exist_is_refused(tmp_path):
    suites = tmp_path / "suites"
    _suite(suites, "t", {"max_missing": {"setting": "freight_cost_missing_max_shar"}})
    document = {"validation": SHIPPED["validation"], "thresholds": {}}
    with pytest.raises(QualityConfigError) as raised:
        load_quality_settings(_write(tmp_path, document), suites_dir=suites)
    assert_names_entry(
        raised.value,
        "thresholds",
        "expectations/t.json (max_missing) read(s) setting 'freight_cost_missing_max_shar',"
        " which is not a quality threshold (did you mean freight_cost_missing_max_share?):"
        " correct the suite",
    )


def test_a_yaml_error_is_placed(tmp_path):
    path = tmp_path / "quality.yaml"
    path.write_text("validation:\n  batch_rows: 10\n thresholds: {}\n")
    with pytest.raises(QualityConfigError, match=r"quality.yaml: line 3, column 2: invalid YAML"):
        load_quality_settings(path)
