"""The invariant every layer that quarantines must keep: rows in = rows kept + rows quarantined."""

import dagster as dg


def rows_conserved_result(rows_in: int, kept: int, quarantined: int) -> dg.AssetCheckResult:
    """Check result comparing rows in with rows kept plus rows quarantined."""
    return dg.AssetCheckResult(
        passed=rows_in == kept + quarantined,
        metadata={
            "rows_in": rows_in,
            "rows_kept": kept,
            "rows_quarantined": quarantined,
            "rows_unaccounted": rows_in - kept - quarantined,
        },
    )
