"""Business rules of the marts from ``config/marts.yaml``, as tables SQL models can read.

A section that maps names to values becomes a one-row table; a section that lists mappings
becomes one row per item. Values are numbers, strings, booleans or dates, or null in a list
item (e.g. "no condition" in a rule); names are checked as SQL identifiers, since they become
column names.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier
from seg_assets.lib.project import config_dir

SETTINGS_SCHEMA = "settings"
_SCALARS = (bool, int, float, str, dt.date)


class MartSettingsError(SegAssetsError):
    """``config/marts.yaml`` is malformed."""


@dataclass(frozen=True)
class SettingsTable:
    """One section: its table name, rows and a fingerprint of its content."""

    name: str
    rows: pl.DataFrame
    fingerprint: str


def default_mart_settings_path() -> Path:
    """``config/marts.yaml``."""
    return config_dir() / "marts.yaml"


def _row(values: Any, where: str, nullable: bool) -> dict[str, Any]:
    if not isinstance(values, dict) or not values:
        raise MartSettingsError(f"{where}: expected a mapping of names to values")
    row = {}
    for name, value in values.items():
        column = checked_identifier(str(name), f"{where}: setting")
        if not isinstance(value, _SCALARS) and not (nullable and value is None):
            raise MartSettingsError(
                f"{where}.{name}: {value!r} is not a number, string, boolean or date"
            )
        row[column] = value
    return row


def _table(name: str, section: Any, where: str) -> SettingsTable:
    rows = (
        [_row(item, f"{where}[{i}]", nullable=True) for i, item in enumerate(section)]
        if isinstance(section, list)
        else [_row(section, where, nullable=False)]
    )
    columns = list(rows[0])
    for i, row in enumerate(rows):
        if list(row) != columns:
            raise MartSettingsError(f"{where}[{i}]: every item needs the keys {columns}")
    content = json.dumps(rows, sort_keys=True, default=str)
    return SettingsTable(
        name=name,
        rows=pl.DataFrame(rows, infer_schema_length=None),
        fingerprint=hashlib.sha256(content.encode()).hexdigest()[:16],
    )


def load_mart_settings(path: Path | None = None) -> dict[str, SettingsTable]:
    """Every section of the marts' settings file, validated.

    Parameters
    ----------
    path
        The YAML file; ``config/marts.yaml`` by default.
    """
    source = path or default_mart_settings_path()
    document = yaml.safe_load(source.read_text()) or {}
    if not isinstance(document, dict):
        raise MartSettingsError(f"{source}: expected sections of settings")
    return {
        name: _table(
            checked_identifier(str(name), f"{source}: section"), section, f"{source}: {name}"
        )
        for name, section in document.items()
    }
