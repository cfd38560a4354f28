"""Reading config/sources.yaml: the shipped contracts load; every malformed entry is refused
naming the file, the entry and its line, all problems of the file at once."""

import re
from pathlib import Path

import pytest
import yaml

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.project import config_dir
from seg_assets.lib.source_contracts import (
    SourceContract,
    SourcesConfigError,
    load_source_contracts,
)

SOURCE = """
sources:
  crm__things:
    system: crm
    entity: things
    format: {format}
    key: thing_id
    columns:
      thing_id: VARCHAR
      made_on: date
      amount: decimal(18, 2)
{extra}
"""


def _write(tmp_path: Path, extra: str = "", fmt: str = "csv") -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCE.format(format=fmt, extra=extra))
    return path


def _contracts(tmp_path: Path, extra: str = "", fmt: str = "csv") -> dict[str, SourceContract]:
    return load_source_contracts(_write(tmp_path, extra, fmt))


def test_the_project_contracts_load():
    contracts = load_source_contracts()
    assert contracts == load_source_contracts(config_dir() / "sources.yaml")
    assert len(contracts) == 13
    raw = yaml.safe_load((config_dir() / "sources.yaml").read_text())["sources"]
    for name, contract in contracts.items():
        assert contract.name == name
        assert contract.column_names == tuple(raw[name]["columns"])
        assert (contract.system, contract.entity, contract.key) == (
            raw[name]["system"],
            raw[name]["entity"],
            raw[name]["key"],
        )
    assert contracts["wms__activity"].landing_name == "wms/activity.parquet"


def test_a_contract_reads_its_columns_in_file_order_with_normalized_types(tmp_path):
    contract = _contracts(tmp_path)["crm__things"]
    assert contract.name == "crm__things"
    assert contract.columns == (
        ("thing_id", "VARCHAR"),
        ("made_on", "DATE"),
        ("amount", "DECIMAL(18,2)"),
    )
    assert contract.description == ""


def test_encoding_and_empty_flag_default_to_utf8_and_not_allowed(tmp_path):
    contract = _contracts(tmp_path)["crm__things"]
    assert (contract.encoding, contract.allow_empty) == ("utf-8", False)


def test_a_declared_encoding_and_empty_flag_are_read(tmp_path):
    contract = _contracts(tmp_path, "    encoding: latin-1\n    allow_empty: true")["crm__things"]
    assert (contract.encoding, contract.allow_empty) == ("latin-1", True)


# (extra lines of the source crm__things, its format, the entry blamed, the message)
MALFORMED = [
    pytest.param(
        "    colums: {a: VARCHAR}",
        "csv",
        "sources.crm__things.colums",
        "unknown key; did you mean columns?",
        id="unknown-key",
    ),
    pytest.param(
        "    encoding: windows-1252",
        "csv",
        "sources.crm__things.encoding",
        "should be 'utf-8', 'utf-16' or 'latin-1' (got 'windows-1252')",
        id="unsupported-encoding",
    ),
    pytest.param(
        "    encoding: utf-8",
        "parquet",
        "sources.crm__things.encoding",
        "only csv sources declare an encoding; remove it from this parquet source",
        id="encoding-of-parquet",
    ),
    pytest.param(
        "    allow_empty: sometimes",
        "csv",
        "sources.crm__things.allow_empty",
        "should be a valid boolean (got 'sometimes')",
        id="allow-empty-not-boolean",
    ),
    pytest.param(
        "",
        "xlsx",
        "sources.crm__things.format",
        "should be 'csv' or 'parquet' (got 'xlsx')",
        id="unknown-format",
    ),
    pytest.param(
        "    description: [a, list]",
        "csv",
        "sources.crm__things.description",
        "should be a valid string",
        id="description-not-text",
    ),
]


@pytest.mark.parametrize(("extra", "fmt", "entry", "message"), MALFORMED)
def test_a_malformed_entry_is_refused_naming_file_entry_and_line(
    tmp_path, extra, fmt, entry, message
):
    path = _write(tmp_path, extra, fmt)
    with pytest.raises(SourcesConfigError) as raised:
        load_source_contracts(path)
    assert re.match(
        rf"{re.escape(str(path))}: line \d+, column \d+: {re.escape(entry)}: ", str(raised.value)
    )
    assert message in str(raised.value)
    # A configuration error, and still a source contract error for those catching those.
    assert isinstance(raised.value, ConfigFileError)
    assert isinstance(raised.value, SourceContractError)


def _refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    with pytest.raises(SourcesConfigError) as raised:
        load_source_contracts(path)
    return str(raised.value).removeprefix(f"{path}: ")


def _source(source: str = "crm__things", **entries: str) -> str:
    spec = {
        "system": "crm",
        "entity": "things",
        "format": "csv",
        "key": "thing_id",
        "columns": "{thing_id: VARCHAR, made_on: DATE}",
        **entries,
    }
    lines = "".join(f"    {key}: {value}\n" for key, value in spec.items())
    return f"sources:\n  {source}:\n{lines}"


# (the file, the message expected with its line and column)
REFUSED = [
    pytest.param(
        _source(columns="\n      thing_id: VARCHAR\n      made_on: DATETIME"),
        "line 9, column 7: sources.crm__things.columns.made_on: column made_on has unsupported"
        " type 'DATETIME'",
        id="unsupported-column-type",
    ),
    pytest.param(
        _source(columns="\n      thing_id: VARCHAR\n      Made-On: DATE"),
        "line 9, column 7: sources.crm__things.columns.Made-On: column name 'Made-On' is not a"
        " valid identifier",
        id="column-name-not-sql",
    ),
    pytest.param(
        _source(columns="\n      thing_id: VARCHAR\n      made_on: 5"),
        "line 9, column 7: sources.crm__things.columns.made_on: type 5 is not a type name",
        id="column-type-not-text",
    ),
    pytest.param(
        _source(key="thing_idd"),
        "line 6, column 5: sources.crm__things.key: 'thing_idd' is not a declared column;"
        " did you mean thing_id?",
        id="key-not-a-column",
    ),
    pytest.param(
        _source(columns="{}"),
        "line 7, column 5: sources.crm__things.columns: should have at least 1 item",
        id="no-columns",
    ),
    pytest.param(
        _source("crm__stuff"),
        "line 2, column 3: sources.crm__stuff: a source is named <system>__<entity> after its"
        " landing file crm/things.csv: rename it crm__things",
        id="name-not-system-entity",
    ),
    pytest.param(
        _source(entity="../../etc"),
        "line 4, column 5: sources.crm__things.entity: '../../etc' is not a valid name",
        id="entity-not-a-name",
    ),
    pytest.param(
        _source(name="other"),
        "line 8, column 5: sources.crm__things.name: 'other' differs from the source's key",
        id="name-differs-from-key",
    ),
    pytest.param(
        _source().replace("    format: csv\n", ""),
        "line 2, column 3: sources.crm__things.format: required",
        id="missing-format",
    ),
    pytest.param(
        "sources:\n  crm__things:\n    system: crm\n    columns: {a: VARCHAR\n",
        "line 5, column 1: invalid YAML: while parsing a flow mapping",
        id="yaml-syntax",
    ),
    pytest.param(
        _source() + "    key: other_id\n",
        "line 8, column 5: sources.crm__things.key: duplicate key (YAML would keep only the last)",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        "source:\n  crm__things: {}\n",
        "line 1, column 1: source: unknown key; did you mean sources?",
        id="unknown-top-level-key",
    ),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_each_problem_is_placed_at_its_line(tmp_path, text, message):
    assert message in _refused(tmp_path, text)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    text = _source(format="xlsx", allow_empty="maybe") + _source("erp__things")[len("sources:\n") :]
    message = _refused(tmp_path, text.replace("entity: things\n    format: csv", "entity: x\n"))
    assert message.startswith("3 errors:")
    assert "sources.crm__things.format: should be 'csv' or 'parquet'" in message
    assert "sources.crm__things.allow_empty: should be a valid boolean" in message
    assert "sources.erp__things.format: required" in message


def test_a_contract_built_in_code_is_checked_too():
    with pytest.raises(ValueError, match="'thing' is not a declared column"):
        SourceContract(
            name="crm__things",
            system="crm",
            entity="things",
            format="csv",
            key="thing",
            columns=(("thing_id", "VARCHAR"),),
        )
