"""Validate a warehouse table (or one month of it) against its Great Expectations suite.

Great Expectations evaluates every expectation, in DataFrame mode (its SQL mode is broken on
DuckDB with these versions, see STACK-NOTES). A table small enough for one batch is validated
in one frame. A larger one is validated group by group (see :mod:`.suites`): row-wise
expectations on batches streamed in one pass, uniqueness on chunks split by a hash of the key,
and table-level expectations on all rows of only their columns. Each frame carries the rows'
source file and row number, so failing rows can be traced to the landing file.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import duckdb

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.quality.frames import (
    Scope,
    count_rows,
    hash_chunks,
    prefetched,
    row_batches,
    typed_expressions,
    whole_frame,
)
from seg_assets.lib.quality.suites import Suite, SuiteExpectation
from seg_assets.lib.warehouse import table_columns

SOURCE_FILE, SOURCE_ROW = "_source_file", "_source_row"
SAMPLE_SIZE = 10


@dataclass(frozen=True)
class BatchLimits:
    """The most rows handed to Great Expectations in one frame: ``rows`` for row-wise and
    table-level expectations, ``unique_rows`` for the key columns of a uniqueness check
    (beyond it, rows are split by a hash of the key, at the cost of one more pass)."""

    rows: int
    unique_rows: int


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: failing rows, what GE observed, and a sample of failures."""

    index: int
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    element_count: int
    observed_value: Any = None
    failing_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteOutcome:
    """The outcome of one suite on one scope of a table."""

    suite: str
    table: str
    scope: str
    scope_kind: str
    rows_validated: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed_errors(self) -> list[ExpectationOutcome]:
        """Failed expectations of severity ``error``: these block downstream assets."""
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def failed_warnings(self) -> list[ExpectationOutcome]:
        """Failed expectations of severity ``warn``: reported only."""
        return [o for o in self.outcomes if not o.success and o.severity == "warn"]


@cache
def _batch_definition() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GE fingerprints every frame below this size with an MD5 of all its values, twice per
    # validation: half the validation time, for a batch marker nothing here reads.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    # Progress bars would interleave with the run's own progress output.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("warehouse")
    return source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("whole")


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a value GE returns (numpy scalars, NaN, timestamps)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)


def _validate_frame(
    expectations: Sequence[SuiteExpectation],
    frame: Any,
    parameters: Mapping[str, Any],
) -> list[ExpectationOutcome]:
    """Outcomes of ``expectations`` on ``frame``, in suite order.

    GE copies the whole frame for every expectation it filters, so expectations go to it in
    groups on frames of just the columns they read (twice as fast on a wide frame).
    """
    if SOURCE_ROW in frame.columns:
        # As the (unnamed) index, source rows come back as GE's sample of failing indices;
        # naming it as an index column instead makes GE visit every failing row in Python.
        frame = frame.set_index(SOURCE_ROW)
        frame.index.name = None
    by_columns: dict[tuple[str, ...], list[SuiteExpectation]] = {}
    for item in expectations:
        by_columns.setdefault(tuple(item.columns), []).append(item)
    outcomes = [
        outcome
        for columns, group in by_columns.items()
        for outcome in _validate_columns(group, frame[list(columns)], parameters)
    ]
    return sorted(outcomes, key=lambda outcome: outcome.index)


def _value_sets_seen_in(
    expectations: Sequence[SuiteExpectation], frame: Any, parameters: Mapping[str, Any]
) -> dict[str, Any]:
    """Parameters with each value set cut to the values its column holds in ``frame``.

    A value set (say the 50,000 order IDs missing from a reference) means the same on a frame
    once cut to the values the frame holds, and Great Expectations re-serializes the whole
    list for every metric it computes: cut, a 1M-row batch carries only its own few.
    """
    narrowed = dict(parameters)
    for item in expectations:
        value_set = item.kwargs.get("value_set")
        name = value_set.get("$PARAMETER") if isinstance(value_set, dict) else None
        values = parameters.get(name) if name is not None else None
        # Only IDs and codes: a date or number in the frame may not compare equal to the
        # same value as DuckDB returned it, and a set cut wrongly would pass bad rows.
        if (
            not isinstance(values, list)
            or len(item.columns) != 1
            or not all(isinstance(value, str) for value in values)
        ):
            continue
        held = set(frame[item.columns[0]].dropna().unique().tolist())
        narrowed[name] = [value for value in values if value in held]
    return narrowed


def _validate_columns(
    expectations: Sequence[SuiteExpectation], frame: Any, parameters: Mapping[str, Any]
) -> list[ExpectationOutcome]:
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name="batch", expectations=[item.as_config() for item in expectations]
    )
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(
            suite,
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
            expectation_parameters=_value_sets_seen_in(expectations, frame, parameters),
        )
    )
    by_index = {item.index: item for item in expectations}
    outcomes = []
    for validated in result.results:
        item = by_index[validated.expectation_config.meta["suite_index"]]
        if validated.exception_info and validated.exception_info.get("raised_exception"):
            raise SegAssetsError(
                f"expectation {item.index + 1} ({item.type} on {item.column}) could not be"
                f" evaluated: {validated.exception_info.get('exception_message')}"
            )
        details = validated.result or {}
        outcomes.append(
            ExpectationOutcome(
                index=item.index,
                expectation=item.type,
                column=item.column,
                severity=item.severity,
                success=bool(validated.success),
                unexpected_count=int(details.get("unexpected_count") or 0),
                element_count=int(details.get("element_count") or len(frame)),
                observed_value=_plain(details.get("observed_value")),
                failing_rows=[
                    {"value": _plain(value), SOURCE_ROW: _plain(row)}
                    for value, row in zip(
                        details.get("partial_unexpected_list") or [],
                        details.get("partial_unexpected_index_list") or [],
                        strict=False,
                    )
                ],
            )
        )
    return outcomes


def _merge(parts_per_frame: Iterable[list[ExpectationOutcome]]) -> list[ExpectationOutcome]:
    """One outcome per expectation from its outcomes over disjoint sets of rows."""
    return [
        ExpectationOutcome(
            index=parts[0].index,
            expectation=parts[0].expectation,
            column=parts[0].column,
            severity=parts[0].severity,
            success=all(part.success for part in parts),
            unexpected_count=sum(part.unexpected_count for part in parts),
            element_count=sum(part.element_count for part in parts),
            failing_rows=[row for part in parts for row in part.failing_rows][:SAMPLE_SIZE],
        )
        for parts in zip(*parts_per_frame, strict=True)
    ]


def _with_source_files(
    con: duckdb.DuckDBPyConnection, scope: Scope, outcomes: list[ExpectationOutcome]
) -> list[ExpectationOutcome]:
    """Failing-row samples with their landing file, looked up by row number afterwards: a
    text column on every validated row would cost more than the whole check."""
    rows = sorted({row[SOURCE_ROW] for o in outcomes for row in o.failing_rows})
    if not rows:
        return outcomes
    files = dict(
        con.execute(
            f"select {SOURCE_ROW}, any_value({SOURCE_FILE}) from {scope.table}"
            f" where {SOURCE_ROW} in (select unnest($rows)) group by all",
            {"rows": rows},
        ).fetchall()
    )
    return [
        replace(
            o,
            failing_rows=[
                {**row, SOURCE_FILE: files.get(row[SOURCE_ROW])} for row in o.failing_rows
            ],
        )
        for o in outcomes
    ]


def validate_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    scope: Scope,
    parameters: Mapping[str, Any],
    limits: BatchLimits,
) -> SuiteOutcome:
    """Validate the rows of ``scope`` against ``suite``.

    Parameters
    ----------
    con
        Open warehouse connection.
    suite
        The suite to evaluate.
    scope
        Which rows: a table, or a window of it.
    parameters
        Values of the suite's parameters.
    limits
        The most rows handed to Great Expectations in one frame.
    """
    present = dict(table_columns(con, *scope.table.split(".")))
    missing = [column for column in suite.columns if column not in present]
    if missing:
        raise SegAssetsError(f"{suite.path}: {scope.table} has no column(s) {', '.join(missing)}")
    trace = [SOURCE_ROW] if SOURCE_ROW in present else []

    def frame_columns(expectations: Sequence[SuiteExpectation]) -> list[str]:
        needed = [column for item in expectations for column in item.columns]
        return typed_expressions(present, list(dict.fromkeys(needed + trace)))

    rows = count_rows(con, scope)
    if rows <= limits.rows:
        frame = whole_frame(con, scope, frame_columns(suite.expectations))
        outcomes = _validate_frame(suite.expectations, frame, parameters)
    else:
        outcomes = []
        row_wise = suite.in_group("rows")
        if row_wise:
            batches = prefetched(row_batches(con, scope, frame_columns(row_wise), limits.rows))
            outcomes += _merge(_validate_frame(row_wise, batch, parameters) for batch in batches)
        uniqueness = suite.in_group("unique")
        for key in dict.fromkeys(tuple(item.columns) for item in uniqueness):
            same_key = [item for item in uniqueness if tuple(item.columns) == key]
            expressions = frame_columns(same_key)
            if rows <= limits.unique_rows:
                frame = whole_frame(con, scope, expressions)
                outcomes += _validate_frame(same_key, frame, parameters)
            else:
                chunks = prefetched(
                    hash_chunks(con, scope, expressions, key, -(-rows // limits.rows))
                )
                outcomes += _merge(_validate_frame(same_key, chunk, parameters) for chunk in chunks)
        whole = suite.in_group("whole")
        if whole:
            frame = whole_frame(con, scope, frame_columns(whole))
            outcomes += _validate_frame(whole, frame, parameters)
        outcomes.sort(key=lambda outcome: outcome.index)
    if SOURCE_FILE in present and trace:
        outcomes = _with_source_files(con, scope, outcomes)
    return SuiteOutcome(
        suite=suite.name,
        table=scope.table,
        scope=scope.label,
        scope_kind=scope.kind,
        rows_validated=rows,
        outcomes=outcomes,
    )
