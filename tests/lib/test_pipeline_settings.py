"""config/pipeline.yaml (with its environment overrides) and config/quarantine_rules.yaml: the
shipped files load; every malformed entry is refused naming the file, the entry and its line;
every rule code the SQL models emit has a reason and every reason a model emitting it."""

from pathlib import Path

import pytest
import yaml
from config_problems import assert_names_entry

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.pipeline_settings import (
    PipelineConfigError,
    QuarantineRulesError,
    default_quarantine_rules_path,
    emitted_quarantine_rules,
    load_pipeline_settings,
    load_quarantine_rules,
)
from seg_assets.lib.project import sql_dir

PIPELINE = """\
partitions:
  start: "2024-11-01"
duckdb:
  memory_limit: 2GB
  threads: 2
"""


def _pipeline(folder: Path, text: str = PIPELINE) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "pipeline.yaml"
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch):
    monkeypatch.delenv("SEG_ASSETS_PARTITION_START", raising=False)
    monkeypatch.delenv("SEG_ASSETS_DUCKDB_MEMORY_LIMIT", raising=False)


def test_the_shipped_pipeline_settings_load():
    settings = load_pipeline_settings()
    assert settings.partitions_start == "2024-11-01"
    assert settings.duckdb_config == {"memory_limit": "2GB", "threads": 2}


def test_a_file_reads_its_values_and_duckdb_takes_only_the_options_set(tmp_path):
    settings = load_pipeline_settings(_pipeline(tmp_path))
    assert (settings.partitions_start, settings.duckdb_config["threads"]) == ("2024-11-01", 2)
    # An unquoted YAML date reads the same; DuckDB options left out keep DuckDB's defaults.
    other = load_pipeline_settings(
        _pipeline(tmp_path / "other", "partitions: {start: 2025-03-01}\n")
    )
    assert (other.partitions_start, other.duckdb_config) == ("2025-03-01", {})


def test_other_duckdb_settings_are_passed_by_their_duckdb_names(tmp_path):
    text = PIPELINE + "  preserve_insertion_order: false\n  temp_directory: /tmp/spill\n"
    settings = load_pipeline_settings(_pipeline(tmp_path, text))
    assert settings.duckdb_config == {
        "memory_limit": "2GB",
        "threads": 2,
        "preserve_insertion_order": False,
        "temp_directory": "/tmp/spill",
    }


def test_the_environment_overrides_the_start_and_the_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SEG_ASSETS_PARTITION_START", "2025-01-01")
    monkeypatch.setenv("SEG_ASSETS_DUCKDB_MEMORY_LIMIT", "6GB")
    settings = load_pipeline_settings(_pipeline(tmp_path))
    assert settings.partitions_start == "2025-01-01"
    assert settings.duckdb_config == {"memory_limit": "6GB", "threads": 2}


def test_a_bad_override_is_refused_naming_its_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SEG_ASSETS_DUCKDB_MEMORY_LIMIT", "lots")
    path = _pipeline(tmp_path)
    with pytest.raises(PipelineConfigError) as raised:
        load_pipeline_settings(path)
    assert str(raised.value) == (
        f"{path}: duckdb.memory_limit: 'lots' is not a memory size DuckDB reads; write a positive"
        " number and a unit: KB, MB, GB, TB (or KiB ... TiB), or a share of memory such as 80%"
        " (set by the environment variable SEG_ASSETS_DUCKDB_MEMORY_LIMIT)"
    )


PIPELINE_MALFORMED = [
    pytest.param(
        PIPELINE.replace("duckdb:", "duckbd:"),
        "duckbd",
        "unknown key; did you mean duckdb?",
        id="unknown-section",
    ),
    pytest.param(
        PIPELINE.replace("threads: 2", "thread: 2"),
        "duckdb.thread",
        "unknown key; did you mean threads?",
        id="unknown-duckdb-option",
    ),
    pytest.param(
        PIPELINE.replace("threads: 2", "memroy_limit: 4GB"),
        "duckdb.memroy_limit",
        "unknown key; did you mean memory_limit? (not a setting of DuckDB",
        id="misspelt-duckdb-option",
    ),
    pytest.param(
        PIPELINE + "  temp_directory: [/tmp]\n",
        "duckdb.temp_directory",
        "should be a number, text or true/false (got ['/tmp'])",
        id="duckdb-option-a-list",
    ),
    pytest.param(
        PIPELINE.replace("threads: 2", "threads: 0"),
        "duckdb.threads",
        "should be greater than or equal to 1 (got 0)",
        id="zero-threads",
    ),
    pytest.param(
        PIPELINE.replace("threads: 2", "threads: '2'"),
        "duckdb.threads",
        "should be a valid integer (got '2')",
        id="threads-as-text",
    ),
    pytest.param(
        PIPELINE.replace("2GB", "-1GB"),
        "duckdb.memory_limit",
        "'-1GB' is not a memory size DuckDB reads",
        id="negative-memory-limit",
    ),
    pytest.param(
        PIPELINE.replace("2GB", "2 gigs"),
        "duckdb.memory_limit",
        "write a positive number and a unit",
        id="memory-limit-without-unit",
    ),
    pytest.param(
        PIPELINE.replace("2024-11-01", "2024-11-15"),
        "partitions.start",
        "'2024-11-15' is not the first day of a month; write 2024-11-01",
        id="start-mid-month",
    ),
    pytest.param(
        PIPELINE.replace("2024-11-01", "Nov 2024"),
        "partitions.start",
        "'Nov 2024' is not a date written YYYY-MM-DD",
        id="start-not-a-date",
    ),
    pytest.param(
        PIPELINE.replace('"2024-11-01"', "[2024]"),
        "partitions.start",
        "should be a valid string",
        id="start-a-list",
    ),
]


@pytest.mark.parametrize(("text", "entry", "message"), PIPELINE_MALFORMED)
def test_a_malformed_pipeline_setting_names_the_file_the_entry_and_its_line(
    tmp_path, text, entry, message
):
    with pytest.raises(PipelineConfigError) as raised:
        load_pipeline_settings(_pipeline(tmp_path, text))
    assert_names_entry(raised.value, entry, message)
    assert isinstance(raised.value, ConfigFileError)


def test_a_pipeline_file_without_partitions_or_with_broken_yaml_is_placed(tmp_path):
    path = _pipeline(tmp_path, "duckdb:\n  threads: 2\n")
    with pytest.raises(PipelineConfigError, match=r": line 1, column 1: partitions: required$"):
        load_pipeline_settings(path)
    path = _pipeline(tmp_path / "other", "partitions:\n  start: '2024-11-01\n")
    with pytest.raises(
        PipelineConfigError, match=r": line 3, column 1: invalid YAML: while scanning a quoted"
    ):
        load_pipeline_settings(path)


SHIPPED_RULES = yaml.safe_load(default_quarantine_rules_path().read_text())["rules"]


def _rules(tmp_path: Path, rules: dict) -> Path:
    path = tmp_path / "quarantine_rules.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False))
    return path


def test_the_shipped_rules_load_with_their_reasons():
    assert load_quarantine_rules() == SHIPPED_RULES


def test_the_rules_emitted_are_read_from_the_models():
    emitted, complete = emitted_quarantine_rules(sql_dir())
    assert complete
    assert set(emitted) == set(SHIPPED_RULES)
    assert emitted["invalid_type"] == ("the raw layer",)
    assert emitted["unmapped_customer"] == ("marts.fct_order_lines",)
    assert "staging.stg_erp__orders" in emitted["ambiguous_customer"]


def _without(code: str) -> dict:
    return {rule: reason for rule, reason in SHIPPED_RULES.items() if rule != code}


RULES_MALFORMED = [
    pytest.param(
        _without("future_date"),
        "rules",
        "no reason for rule(s) the models emit: future_date (staging.stg_erp__orders,"
        " staging.stg_erp__returns,",
        id="emitted-rule-without-reason",
    ),
    pytest.param(
        {**_without("future_date"), "futur_date": "Dated after the run."},
        "rules.futur_date",
        "no model emits this rule: remove it or correct its code; did you mean future_date?",
        id="misspelt-rule",
    ),
    pytest.param(
        {**SHIPPED_RULES, "late_invoice": "Paid late."},
        "rules.late_invoice",
        "no model emits this rule: remove it or correct its code",
        id="rule-no-model-emits",
    ),
    pytest.param(
        {**SHIPPED_RULES, "missing_key": "  "},
        "rules.missing_key",
        "the reason is blank; say why such rows are set aside",
        id="blank-reason",
    ),
    pytest.param(
        {**SHIPPED_RULES, "missing_key": ""},
        "rules.missing_key",
        "should have at least 1 character",
        id="empty-reason",
    ),
    pytest.param(
        {**SHIPPED_RULES, "missing_key": 5},
        "rules.missing_key",
        "should be a valid string (got 5)",
        id="reason-not-text",
    ),
    pytest.param(
        {**SHIPPED_RULES, "Missing Key": "Empty."},
        "rules.Missing Key",
        "'Missing Key' is not a rule code",
        id="code-not-a-name",
    ),
    pytest.param(
        [{"missing_key": "Empty."}],
        "rules",
        "should be a mapping",
        id="rules-a-list",
    ),
]


@pytest.mark.parametrize(("rules", "entry", "message"), RULES_MALFORMED)
def test_a_malformed_rule_names_the_file_the_entry_and_its_line(tmp_path, rules, entry, message):
    with pytest.raises(QuarantineRulesError) as raised:
        load_quarantine_rules(_rules(tmp_path, rules))
    assert_names_entry(raised.value, entry, message)
    assert isinstance(raised.value, ConfigFileError)


def test_rules_of_tests_own_models_load_unchecked_against_the_sql(tmp_path):
    path = _rules(tmp_path, {"too_big": "Above the cap."})
    assert load_quarantine_rules(path, check_models=False) == {"too_big": "Above the cap."}
    path.write_text("rule:\n  too_big: Above the cap.\n")
    with pytest.raises(QuarantineRulesError, match="line 1, column 1: rule: unknown key; did you"):
        load_quarantine_rules(path, check_models=False)
