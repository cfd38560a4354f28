"""Reading config/sources.yaml: encodings and empty-extract flags are checked when loaded."""

from pathlib import Path

import pytest

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.project import config_dir
from seg_assets.lib.source_contracts import load_source_contracts

SOURCE = """
sources:
  crm__things:
    system: crm
    entity: things
    format: {format}
    key: thing_id
    columns:
      thing_id: VARCHAR
{extra}
"""


def _contracts(tmp_path: Path, extra: str = "", fmt: str = "csv"):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCE.format(format=fmt, extra=extra))
    return load_source_contracts(path)


def test_encoding_and_empty_flag_default_to_utf8_and_not_allowed(tmp_path):
    contract = _contracts(tmp_path)["crm__things"]
    assert (contract.encoding, contract.allow_empty) == ("utf-8", False)


def test_a_declared_encoding_and_empty_flag_are_read(tmp_path):
    contract = _contracts(tmp_path, "    encoding: latin-1\n    allow_empty: true")["crm__things"]
    assert (contract.encoding, contract.allow_empty) == ("latin-1", True)


@pytest.mark.parametrize(
    ("extra", "fmt", "message"),
    [
        ("    encoding: windows-1252", "csv", "encoding 'windows-1252' is not one of"),
        ("    encoding: utf-8", "parquet", "only csv sources declare an encoding"),
        ("    allow_empty: sometimes", "csv", "allow_empty must be true or false"),
    ],
)
def test_unsupported_settings_fail_when_the_contracts_load(tmp_path, extra, fmt, message):
    with pytest.raises(SourceContractError, match=message):
        _contracts(tmp_path, extra, fmt)


def test_the_project_contracts_load():
    assert len(load_source_contracts(config_dir() / "sources.yaml")) == 13
