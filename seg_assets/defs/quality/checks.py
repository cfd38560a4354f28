"""One blocking asset check per suite in ``expectations/``, on the asset named like the suite."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import expectations_dir
from seg_assets.lib.quality.expectation_suites import SuiteOutcome, validate_table
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
        "expectations_evaluated": len(outcome.outcomes),
        "expectations_failed": len(failing),
        "failing_counts": dg.MetadataValue.md(
            markdown_table(
                ["expectation", "column", "severity", "failing rows", "rows checked"],
                [
                    [o.expectation, o.column, o.severity, o.unexpected_count, o.element_count]
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


def suite_check(asset_key: dg.AssetKey, suite_name: str) -> dg.AssetChecksDefinition:
    """Blocking check that validates ``asset_key``'s table against ``expectations/<suite>``."""
    suite_path = expectations_dir() / f"{suite_name}.json"
    table = ".".join(asset_key.path)

    @dg.asset_check(
        asset=asset_key,
        name="great_expectations_suite",
        blocking=True,
        description=(
            f"Great Expectations suite expectations/{suite_path.name}: failed `error`"
            " expectations block downstream assets; failed `warn` ones are reported."
        ),
    )
    def great_expectations_suite(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            outcome = validate_table(con, table, suite_path)
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
    suite_paths = sorted(expectations_dir().glob("*.json"))
    orphans = [path.name for path in suite_paths if path.stem not in by_table]
    if orphans:
        raise SegAssetsError(
            f"expectations/{', '.join(orphans)}: no asset has that table name; name each suite"
            " after the table it validates"
        )
    return [suite_check(by_table[path.stem], path.stem) for path in suite_paths]
