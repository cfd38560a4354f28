"""Plausibility checks of each source against itself, so a feed with swapped or shifted columns
is caught on its first run.

- ``key_format`` on each raw asset: the key and foreign keys match their pattern from
  ``config/sources.yaml`` (or the shape learned from the previous run).
- ``compared_with_previous_run`` on each raw asset: row count and each column's null share
  within their bands of the previous run's.
- ``link_rate_<source>`` on ``mdm/crosswalk``: the share of a source's rows linking to a golden
  customer within its band of the previous run's.

Every check is blocking; a failure is an ERROR or a WARN result as ``plausibility`` in
``config/quality.yaml`` sets. Each run's measures go to ``quality.source_profiles``: the next
run's baseline is the latest run no blocking check refused.
"""

from collections.abc import Sequence

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.mdm.assets import mdm_key
from seg_assets.defs.sources.assets import raw_asset_key
from seg_assets.lib.config import suggestion
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.mdm.resolution import CROSSWALK, MDM_SCHEMA
from seg_assets.lib.quality.plausibility import (
    BandComparison,
    KeyColumnFormat,
    count_band,
    learn_shapes,
    share_band,
)
from seg_assets.lib.quality.source_profiles import (
    Measure,
    baseline_measures,
    baseline_run,
    null_shares,
    own_records_linked,
    pattern_match,
    record_measures,
    references_linked,
    shape_counts,
)
from seg_assets.lib.quality.suite_parameters import quality_settings
from seg_assets.lib.raw_loading import RAW_SCHEMA
from seg_assets.lib.source_contracts import SourceContract
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import qualified_table, row_count, table_columns, table_exists

SOURCE_ROW = "_source_row"
TEXT = "VARCHAR"


def _severity(level: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if level == "error" else dg.AssetCheckSeverity.WARN


def _share(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}"


def _key_column_format(
    con, contract: SourceContract, column: str, configured: str | None, run_id: str
) -> KeyColumnFormat:
    settings = quality_settings().plausibility.key_format
    table = qualified_table(RAW_SCHEMA, contract.name)
    pattern, origin = configured, "config/sources.yaml"
    if configured is None:
        baseline = baseline_run(con, contract.name, run_id, "key_shape")
        if baseline is None:
            origin = "no previous run to learn its shape from; its shapes are recorded now"
        else:
            previous = {
                shape: value
                for (name, shape), value in baseline_measures(
                    con, contract.name, baseline, "key_shape"
                ).items()
                if name == column and shape is not None
            }
            learned = learn_shapes(previous, settings.learned_coverage, settings.learned_max_shapes)
            pattern = learned.pattern
            origin = (
                f"shape {' or '.join(learned.shapes)} learned from run {baseline[:8]}"
                if pattern
                else f"the previous run's values (run {baseline[:8]}) have no dominant shape"
            )
    if pattern is None:
        return KeyColumnFormat(contract.name, column, None, origin, 0, 0, settings.mostly)
    match = pattern_match(con, table, column, pattern, SOURCE_ROW)
    result = KeyColumnFormat(
        contract.name,
        column,
        pattern,
        origin,
        match.values,
        match.matching,
        settings.mostly,
        match.failing_sample,
    )
    if not result.failed:
        return result
    look_alikes = []
    for other, column_type in contract.columns:
        if other == column or column_type != TEXT:
            continue
        share = pattern_match(con, table, other, pattern, None).share
        if share is not None and share >= settings.mostly:
            look_alikes.append((other, share))
    return KeyColumnFormat(**{**result.__dict__, "look_alikes": tuple(look_alikes)})


def _key_format_metadata(formats: Sequence[KeyColumnFormat]) -> dict[str, object]:
    return {
        "columns_checked": len(formats),
        "columns_failed": sum(f.failed for f in formats),
        "mostly": formats[0].mostly if formats else None,
        "results": dg.MetadataValue.md(
            markdown_table(
                ["column", "pattern", "from", "values", "matching", "share", "passed", "e.g."],
                [
                    [
                        f.column,
                        f.pattern or "none",
                        f.origin,
                        f.values,
                        f.matching,
                        _share(f.share),
                        "**no**" if f.failed else "yes",
                        ", ".join(repr(value) for value, _ in f.failing_sample[:3]),
                    ]
                    for f in formats
                ],
            )
        ),
    }


def key_format_check(contract: SourceContract) -> dg.AssetChecksDefinition:
    """Blocking check that the source's key columns have the shape of their pattern."""
    listed = ", ".join(column for column, _ in contract.key_columns)

    @dg.asset_check(
        asset=raw_asset_key(contract.name),
        name="key_format",
        blocking=True,
        description=(
            f"The values of {listed} (trimmed, upper case) match their pattern in"
            " config/sources.yaml (key_formats), or where none is set the shape learned from the"
            " previous run's values; a column below plausibility.key_format.mostly in"
            " config/quality.yaml fails: the sign of swapped or shifted columns."
        ),
    )
    def key_format(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        settings = quality_settings().plausibility.key_format
        table = qualified_table(RAW_SCHEMA, contract.name)
        run_id = context.run.run_id
        with duckdb.get_connection() as con:
            formats = [
                _key_column_format(con, contract, column, pattern, run_id)
                for column, pattern in contract.key_columns
            ]
            failed = [f for f in formats if f.failed]
            shapes = [
                Measure("key_shape", count, column, shape)
                for column, _ in contract.key_columns
                for shape, count in shape_counts(con, table, column).items()
            ]
            blocked = bool(failed) and settings.severity == "error"
            record_measures(con, run_id, contract.name, ["key_shape"], shapes, blocked)
        return dg.AssetCheckResult(
            passed=not failed,
            severity=_severity(settings.severity),
            description="; ".join(f.describe() for f in failed or formats),
            metadata=_key_format_metadata(formats),
        )

    return key_format


def _comparison_rows(comparisons: Sequence[tuple[BandComparison, str]]) -> list[list[object]]:
    return [
        [
            c.measure,
            _share(c.previous) if c.previous is not None else "none",
            _share(c.current),
            "" if c.low is None else f"{_share(c.low)}..{_share(c.high)}",
            level,
            "yes" if c.within else "**no**",
        ]
        for c, level in comparisons
    ]


def _band_result(
    source: str, baseline: str | None, comparisons: Sequence[tuple[BandComparison, str]]
) -> tuple[bool, dg.AssetCheckSeverity, str]:
    """Passed, severity and description of comparisons (each with its severity)."""
    off = [(c, level) for c, level in comparisons if not c.within]
    if baseline is None:
        return True, dg.AssetCheckSeverity.WARN, f"{source}: no previous run to compare with"
    if not off:
        measured = "; ".join(c.describe() for c, _ in comparisons[:2])
        more = f" and {len(comparisons) - 2} more" if len(comparisons) > 2 else ""
        return (
            True,
            dg.AssetCheckSeverity.WARN,
            f"{source} against run {baseline[:8]}: within the bands: {measured}{more}",
        )
    level = "error" if any(level == "error" for _, level in off) else "warn"
    described = "; ".join(c.describe() for c, _ in off)
    return False, _severity(level), f"{source} against run {baseline[:8]}: {described}"


def previous_run_check(contract: SourceContract) -> dg.AssetChecksDefinition:
    """Blocking check of the source's row count and null shares against the previous run."""

    @dg.asset_check(
        asset=raw_asset_key(contract.name),
        name="compared_with_previous_run",
        blocking=True,
        description=(
            "Rows delivered and each column's share of empty values, against the previous run"
            " of this source (one no blocking check refused), within the bands of"
            " plausibility.row_count and plausibility.null_share in config/quality.yaml."
        ),
    )
    def compared_with_previous_run(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        settings = quality_settings().plausibility
        table = qualified_table(RAW_SCHEMA, contract.name)
        run_id = context.run.run_id
        with duckdb.get_connection() as con:
            rows, shares = null_shares(con, table, contract.column_names)
            baseline = baseline_run(con, contract.name, run_id, "row_count")
            previous_rows = baseline_measures(con, contract.name, baseline, "row_count")
            previous_nulls = baseline_measures(con, contract.name, baseline, "null_share")
            previous_count = previous_rows.get((None, None))
            comparisons = [
                (
                    count_band(
                        "row count",
                        None if previous_count is None else int(previous_count),
                        rows,
                        settings.row_count.band,
                    ),
                    settings.row_count.severity,
                )
            ] + [
                (
                    share_band(
                        f"null share of {column}",
                        previous_nulls.get((column, None)) if baseline else None,
                        share,
                        settings.null_share.band,
                    ),
                    settings.null_share.severity,
                )
                for column, share in shares.items()
            ]
            passed, severity, description = _band_result(contract.name, baseline, comparisons)
            measures = [Measure("row_count", rows)] + [
                Measure("null_share", share, column) for column, share in shares.items()
            ]
            blocked = not passed and severity == dg.AssetCheckSeverity.ERROR
            record_measures(
                con, run_id, contract.name, ["row_count", "null_share"], measures, blocked
            )
        count = comparisons[0][0]
        return dg.AssetCheckResult(
            passed=passed,
            severity=severity,
            description=description,
            metadata={
                "previous_run": baseline or "none",
                "row_count": rows,
                "previous_row_count": "none" if count.previous is None else int(count.previous),
                "row_count_allowed": "" if count.low is None else f"{count.low}..{count.high}",
                "comparisons": dg.MetadataValue.md(
                    markdown_table(
                        ["measure", "previous", "current", "allowed", "severity", "within"],
                        _comparison_rows(comparisons),
                    )
                ),
            },
        )

    return compared_with_previous_run


def _linked_rows(con, contract: SourceContract) -> int:
    link = contract.master_data_link
    assert link is not None
    crosswalk = qualified_table(MDM_SCHEMA, CROSSWALK)
    if contract.links_own_records:
        return own_records_linked(con, crosswalk, link.system)
    staged = f"stg_{contract.name}"
    columns = [name for name, _ in table_columns(con, "staging", staged)]
    if link.column not in columns:
        raise SegAssetsError(
            f"config/sources.yaml: sources.{contract.name}.master_data_link.column:"
            f" staging.{staged} has no column {link.column!r}; {suggestion(link.column, columns)}"
        )
    return references_linked(
        con, qualified_table("staging", staged), link.column, crosswalk, link.system
    )


def link_rate_check(contract: SourceContract) -> dg.AssetChecksDefinition:
    """Blocking check of the source's master-data link rate against the previous run."""
    link = contract.master_data_link
    assert link is not None
    if contract.links_own_records:
        linked = f"its {link.system} customer records matched with another system's record"
        deps = []
    else:
        linked = (
            f"its rows whose {link.column} in staging.stg_{contract.name} is a {link.system}"
            " customer record of master data"
        )
        deps = [dg.AssetKey(["staging", f"stg_{contract.name}"])]

    @dg.asset_check(
        asset=mdm_key(CROSSWALK),
        name=f"link_rate_{contract.name}",
        blocking=True,
        additional_deps=deps,
        description=(
            f"Master-data link rate of {contract.name}: the share of raw.{contract.name}'s rows"
            f" linked to a golden customer ({linked}), against the previous run within"
            " plausibility.link_rate in config/quality.yaml."
        ),
    )
    def link_rate(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        settings = quality_settings().plausibility.link_rate
        run_id = context.run.run_id
        with duckdb.get_connection() as con:
            if not table_exists(con, RAW_SCHEMA, contract.name):
                # Master data built from some sources only (a selection): nothing to measure.
                return dg.AssetCheckResult(
                    passed=True,
                    description=f"raw.{contract.name} is not loaded: no link rate to compare",
                    metadata={"previous_run": "none"},
                )
            rows = row_count(con, qualified_table(RAW_SCHEMA, contract.name))
            linked_rows = _linked_rows(con, contract)
            rate = linked_rows / rows if rows else None
            baseline = baseline_run(con, contract.name, run_id, "link_rate")
            previous = baseline_measures(con, contract.name, baseline, "link_rate")
            comparison = share_band(
                "master-data link rate", previous.get((None, None)), rate, settings.band
            )
            passed, severity, description = _band_result(
                contract.name, baseline, [(comparison, settings.severity)]
            )
            blocked = not passed and severity == dg.AssetCheckSeverity.ERROR
            measures = [] if rate is None else [Measure("link_rate", rate)]
            record_measures(con, run_id, contract.name, ["link_rate"], measures, blocked)
        return dg.AssetCheckResult(
            passed=passed,
            severity=severity,
            description=description,
            metadata={
                "previous_run": baseline or "none",
                "rows": rows,
                "linked_rows": linked_rows,
                "link_rate": _share(rate),
                "previous_link_rate": _share(comparison.previous),
                "allowed": ""
                if comparison.low is None
                else f"{_share(comparison.low)}..{_share(comparison.high)}",
            },
        )

    return link_rate


def plausibility_checks(contracts: Sequence[SourceContract]) -> list[dg.AssetChecksDefinition]:
    """Every source's key-format and previous-run checks, and the link-rate check of each source
    linked to master data."""
    return [
        *(key_format_check(contract) for contract in contracts),
        *(previous_run_check(contract) for contract in contracts),
        *(link_rate_check(c) for c in contracts if c.master_data_link is not None),
    ]
