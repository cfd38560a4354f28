"""Great Expectations suites as human-editable JSON files, read and checked before any run.

A suite is ``expectations/<table>.json`` in Great Expectations' own format. Each expectation
declares ``meta.severity``: ``error`` blocks downstream assets, ``warn`` is reported only.
Values that depend on the data or on settings are Great Expectations suite parameters
(``{"$PARAMETER": "name"}``) whose source the suite declares in ``meta.parameters`` (see
:mod:`seg_assets.lib.quality.suite_parameters`).

Expectations are grouped by what they need to see at once, so large tables validate in
bounded memory:

- ``rows``: judged row by row; results over any split of the rows add up exactly.
- ``unique``: uniqueness of a key; needs every row of the key, so rows are split by a hash of
  the key and duplicates always meet in the same chunk.
- ``whole``: table-level or statistical; needs all rows of its columns at once.
"""

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from seg_assets.lib.errors import SegAssetsError

SEVERITIES = ("error", "warn")
Group = Literal["rows", "unique", "whole"]
PARAMETER_KINDS = ("setting", "robust_z_bound", "values_missing_from", "previous_row_count")

_COLUMN_ARGUMENTS = ("column", "column_A", "column_B")
_ROW_WISE_PREFIXES = (
    "expect_column_values_to_",
    "expect_column_pair_values_",
    "expect_multicolumn_",
    "expect_select_column_values_to_be_unique_within_record",
)
_UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
# Per-row verdicts that depend on the whole column: its order, its statistics or its dtype.
_WHOLE_COLUMN = (
    "expect_column_values_to_be_increasing",
    "expect_column_values_to_be_decreasing",
    "expect_column_value_z_scores_to_be_less_than",
    "expect_column_values_to_not_be_outliers",
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_in_type_list",
)


def _parameter_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {value["$PARAMETER"]}
        return {name for item in value.values() for name in _parameter_names(item)}
    if isinstance(value, list):
        return {name for item in value for name in _parameter_names(item)}
    return set()


@dataclass(frozen=True)
class SuiteExpectation:
    """One expectation of a suite, in the suite's order."""

    index: int
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]

    @property
    def severity(self) -> str:
        """``error`` or ``warn``."""
        return self.meta["severity"]

    @property
    def column(self) -> str | None:
        """The column(s) it is about, e.g. ``delivery_date, ship_date`` for a pair."""
        return ", ".join(self.columns) or None

    @property
    def columns(self) -> list[str]:
        """Every column the expectation reads."""
        named = [self.kwargs[name] for name in _COLUMN_ARGUMENTS if name in self.kwargs]
        return list(dict.fromkeys(named + list(self.kwargs.get("column_list", []))))

    @property
    def group(self) -> Group:
        """How much of the table it must see at once."""
        if self.type in _UNIQUENESS:
            return "unique"
        if self.type.startswith(_ROW_WISE_PREFIXES) and self.type not in _WHOLE_COLUMN:
            return "rows"
        return "whole"

    def as_config(self) -> dict[str, Any]:
        """The expectation as Great Expectations reads it, its index in ``meta.suite_index``
        (Great Expectations returns results in its own order)."""
        return {
            "type": self.type,
            "kwargs": self.kwargs,
            "meta": {**self.meta, "suite_index": self.index},
        }


@dataclass(frozen=True)
class Suite:
    """A suite file: its name, description, expectations and parameter declarations."""

    name: str
    path: Path
    description: str
    expectations: tuple[SuiteExpectation, ...]
    parameters: dict[str, dict[str, Any]]

    @cached_property
    def columns(self) -> list[str]:
        """Columns read by any expectation, in first-use order."""
        return list(dict.fromkeys(column for item in self.expectations for column in item.columns))

    @property
    def referenced_tables(self) -> list[str]:
        """Other tables (``schema.table``) its parameters read: they must be built first."""
        return sorted(
            {
                source["values_missing_from"]["reference"].rsplit(".", 1)[0]
                for source in self.parameters.values()
                if "values_missing_from" in source
            }
        )

    def in_group(self, group: Group) -> list[SuiteExpectation]:
        """The expectations of one group."""
        return [item for item in self.expectations if item.group == group]


def read_suite(path: Path) -> Suite:
    """Read ``path`` and check severities and parameters, naming the file and expectation."""
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SegAssetsError(f"{path}: not valid JSON: {error}") from error
    meta = document.get("meta") or {}
    declared = meta.get("parameters") or {}
    for name, source in declared.items():
        if (
            not isinstance(source, dict)
            or len(source) != 1
            or next(iter(source)) not in (PARAMETER_KINDS)
        ):
            raise SegAssetsError(
                f"{path}: parameter {name!r} must be declared as one of {PARAMETER_KINDS},"
                f' e.g. {{"setting": "<name in config/quality.yaml>"}}, not {source!r}'
            )
    expectations = []
    for index, raw in enumerate(document.get("expectations") or []):
        item = SuiteExpectation(
            index=index,
            type=raw["type"],
            kwargs=raw.get("kwargs") or {},
            meta=raw.get("meta") or {},
        )
        where = f"{path}: expectation {index + 1} ({item.type} on {item.column})"
        if item.meta.get("severity") not in SEVERITIES:
            raise SegAssetsError(
                f"{where}: needs meta.severity in {SEVERITIES}, not {item.meta.get('severity')!r}"
            )
        undeclared = sorted(_parameter_names(item.kwargs) - set(declared))
        if undeclared:
            raise SegAssetsError(
                f"{where}: uses parameter(s) {', '.join(undeclared)} not declared in the"
                " suite's meta.parameters"
            )
        expectations.append(item)
    return Suite(
        name=document.get("name", path.stem),
        path=path,
        description=meta.get("description", ""),
        expectations=tuple(expectations),
        parameters=declared,
    )
