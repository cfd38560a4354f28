"""One Great Expectations check per suite in ``expectations/``, on the asset named like the suite.

The check is blocking: a failed ``error`` expectation fails it with ERROR severity and stops
downstream assets; failed ``warn`` expectations fail it with WARN severity, which is reported
but blocks nothing. On a monthly asset it validates only the months the run refreshed. Every
result is appended to ``quality.dq_results``.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.partitions import tagged_month_window
from seg_assets.defs.sql_model_assets import all_models
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.model_runner import MonthWindow
from seg_assets.lib.project import expectations_dir
from seg_assets.lib.quality.dq_results import previous_rows_validated, record_outcome
from seg_assets.lib.quality.frames import Scope, count_rows
from seg_assets.lib.quality.suite_parameters import quality_settings, resolve_parameters
from seg_assets.lib.quality.suites import Suite, read_suite
from seg_assets.lib.quality.validation import BatchLimits, SuiteOutcome, validate_suite
from seg_assets.lib.table_preview import markdown_table


def _outcome_metadata(outcome: SuiteOutcome) -> dict[str, object]:
    failing = [o for o in outcome.outcomes if not o.success]
    samples = [
        {"expectation": o.expectation, "column": o.column, **row}
        for o in failing
        for row in o.failing_rows
    ]
    sample_columns = list(dict.fromkeys(key for row in samples for key in row))
    return {
        "scope": outcome.scope,
        "rows_validated": outcome.rows_validated,
        "expectations_evaluated": len(outcome.outcomes),
        "expectations_failed": len(failing),
        "errors_failed": len(outcome.failed_errors),
        "warnings_failed": len(outcome.failed_warnings),
        "results": dg.MetadataValue.md(
            markdown_table(
                ["expectation", "column", "severity", "passed", "failing rows", "observed"],
                [
                    [
                        o.expectation,
                        o.column,
                        o.severity,
                        "yes" if o.success else "**no**",
                        o.unexpected_count,
                        o.observed_value,
                    ]
                    for o in outcome.outcomes
                ],
            )
        ),
        "failing_rows_sample": dg.MetadataValue.md(
            markdown_table(
                sample_columns, [[row.get(c) for c in sample_columns] for row in samples]
            )
            if samples
            else "no failing rows"
        ),
    }


def _window_scope(table: str, partition_column: str | None, window: MonthWindow | None) -> Scope:
    if window is None or partition_column is None:
        return Scope(table)
    kind = "month" if window.is_one_month else "months"
    return Scope(table, window.predicate(partition_column), window.as_parameters(), kind)


def suite_check(
    asset_key: dg.AssetKey, suite: Suite, partition_column: str | None
) -> dg.AssetChecksDefinition:
    """Blocking check validating ``asset_key``'s table (its run's months if monthly)."""
    table = ".".join(asset_key.path)

    @dg.asset_check(
        asset=asset_key,
        name="great_expectations_suite",
        blocking=True,
        # Tables the suite's parameters read must be built before the check runs.
        additional_deps=[
            dg.AssetKey(other.split(".")) for other in suite.referenced_tables if other != table
        ],
        description=(
            f"Great Expectations suite expectations/{suite.path.name}"
            f"{': ' + suite.description if suite.description else ''} Failed `error`"
            " expectations block downstream assets; failed `warn` ones are reported."
        ),
    )
    def great_expectations_suite(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        window = tagged_month_window(context.run.tags) if partition_column else None
        scope = _window_scope(table, partition_column, window)
        settings = quality_settings()
        with duckdb.get_connection() as con:
            if window is not None and window.is_one_month:
                # A month's row count is compared with the month before it (if it has rows).
                before = _window_scope(table, partition_column, window.month_before())
                previous = count_rows(con, before) or None
            else:
                previous = previous_rows_validated(con, table, context.run.run_id)
            thresholds = settings.thresholds.as_mapping()
            parameters = resolve_parameters(con, suite, scope, thresholds, previous)
            limits = BatchLimits(
                rows=settings.validation.batch_rows,
                unique_rows=settings.validation.unique_batch_rows,
            )
            outcome = validate_suite(con, suite, scope, parameters, limits)
            record_outcome(con, context.run.run_id, outcome)
        errors, warnings = outcome.failed_errors, outcome.failed_warnings
        return dg.AssetCheckResult(
            passed=not errors and not warnings,
            severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
            metadata=_outcome_metadata(outcome),
        )

    return great_expectations_suite


def suite_checks(asset_keys: list[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """A check for every suite file whose name matches one of ``asset_keys``' table names."""
    by_table = {key.path[-1]: key for key in asset_keys}
    partition_columns = {model.name: model.partition_column for model in all_models()}
    suite_paths = sorted(expectations_dir().glob("*.json"))
    orphans = [path.name for path in suite_paths if path.stem not in by_table]
    if orphans:
        raise SegAssetsError(
            f"expectations/{', '.join(orphans)}: no asset has that table name; name each suite"
            " after the table it validates"
        )
    return [
        suite_check(by_table[path.stem], read_suite(path), partition_columns.get(path.stem))
        for path in suite_paths
    ]
