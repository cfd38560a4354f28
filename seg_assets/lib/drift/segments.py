"""Drift of the segments themselves: share of volume, switching, confidence and newcomers."""

import polars as pl

_OUTPUT_SCHEMA = {
    "segment_id": pl.Int32,
    "reference_share": pl.Float64,
    "current_share": pl.Float64,
    "relative_share_change": pl.Float64,
    "switched_share": pl.Float64,
    "mean_confidence": pl.Float64,
    "new_customer_share": pl.Float64,
}


def _check_assignments(name: str, frame: pl.DataFrame, columns: tuple[str, ...]) -> None:
    """Raise if ``frame`` lacks a column, has a null segment or repeats a customer."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} assignments lack column(s) {', '.join(missing)}; "
            f"they have {', '.join(frame.columns)}"
        )
    if frame["segment_id"].null_count():
        raise ValueError(
            f"{name} assignments have {frame['segment_id'].null_count()} row(s) with a null "
            "segment_id; a null segment_id is reserved for the all-customers row"
        )
    if frame["customer_key"].is_duplicated().any():
        duplicated = frame.filter(pl.col("customer_key").is_duplicated())["customer_key"]
        raise ValueError(
            f"{name} assignments list customer_key {duplicated[0]!r} more than once; "
            "keep one assignment per customer"
        )


def _share(volume: str, total: float) -> pl.Expr:
    """Volume over the total; null when the total is 0 (no volume to share out)."""
    if total == 0:
        return pl.lit(None, pl.Float64)
    return pl.col(volume).fill_null(0).cast(pl.Float64) / total


def segment_drift(
    reference: pl.DataFrame, current: pl.DataFrame, previous: pl.DataFrame | None
) -> pl.DataFrame:
    """Per-segment drift of the current month against the training month and last month.

    Parameters
    ----------
    reference : pl.DataFrame
        Training-month assignments: ``customer_key``, ``segment_id``, ``volume``.
    current : pl.DataFrame
        This month's assignments: ``customer_key``, ``segment_id``, ``confidence_margin``,
        ``volume``.
    previous : pl.DataFrame or None
        Last month's published assignments (``customer_key``, ``segment_id``), or None when
        there is none.

    Returns
    -------
    pl.DataFrame
        One row per segment_id in ``reference`` or ``current``, sorted, then one row with a
        null ``segment_id`` for all customers. Columns:

        - ``reference_share``, ``current_share``: the segment's share of the total volume of
          that month (1 on the all row; null when the month's total volume is 0);
        - ``relative_share_change``: ``(current_share - reference_share) / reference_share``,
          null when ``reference_share`` is 0 or null, and on the all row;
        - ``switched_share``: of the segment's current customers also in ``previous``, the
          share whose previous segment differs; null without ``previous`` or such customers;
        - ``mean_confidence``: mean ``confidence_margin`` of the segment's current customers;
        - ``new_customer_share``: share of the segment's current customers absent from
          ``reference``.

        The last two are null for a segment with no current customer.

    Raises
    ------
    ValueError
        If a frame lacks a column, has a null segment_id, or (current, previous) repeats a
        customer_key.
    """
    _check_assignments("reference", reference, ("customer_key", "segment_id", "volume"))
    _check_assignments(
        "current", current, ("customer_key", "segment_id", "confidence_margin", "volume")
    )
    if previous is not None:
        _check_assignments("previous", previous, ("customer_key", "segment_id"))

    reference_keys = reference.select("customer_key").unique().with_columns(in_reference=True)
    customers = current.select(
        pl.col("customer_key"),
        pl.col("segment_id").cast(pl.Int32),
        pl.col("confidence_margin").cast(pl.Float64),
        pl.col("volume"),
    ).join(reference_keys, on="customer_key", how="left")
    if previous is None:
        customers = customers.with_columns(switched=pl.lit(None, pl.Float64))
    else:
        previous_segments = previous.select(
            pl.col("customer_key"),
            pl.col("segment_id").cast(pl.Int32).alias("previous_segment_id"),
            in_previous=pl.lit(True),
        )
        customers = customers.join(previous_segments, on="customer_key", how="left").with_columns(
            switched=pl.when(pl.col("in_previous"))
            .then(pl.col("segment_id") != pl.col("previous_segment_id"))
            .cast(pl.Float64)
        )

    # The same aggregates serve the per-segment rows and the all-customers row.
    current_aggregates = (
        pl.col("volume").sum().alias("current_volume"),
        pl.col("switched").mean().alias("switched_share"),
        pl.col("confidence_margin").mean().alias("mean_confidence"),
        pl.col("in_reference").is_null().cast(pl.Float64).mean().alias("new_customer_share"),
    )
    by_segment = (
        reference.select(pl.col("segment_id").cast(pl.Int32), pl.col("volume"))
        .group_by("segment_id")
        .agg(pl.col("volume").sum().alias("reference_volume"))
        .join(
            customers.group_by("segment_id").agg(*current_aggregates),
            on="segment_id",
            how="full",
            coalesce=True,
        )
    )
    all_customers = customers.select(*current_aggregates).with_columns(
        segment_id=pl.lit(None, pl.Int32), reference_volume=reference["volume"].sum()
    )

    reference_total = reference["volume"].sum()
    current_total = current["volume"].sum()
    rows = pl.concat([by_segment, all_customers], how="diagonal_relaxed")
    return (
        rows.with_columns(
            reference_share=_share("reference_volume", reference_total),
            current_share=_share("current_volume", current_total),
        )
        .with_columns(
            relative_share_change=pl.when(
                pl.col("segment_id").is_not_null() & (pl.col("reference_share") > 0)
            ).then(
                (pl.col("current_share") - pl.col("reference_share")) / pl.col("reference_share")
            )
        )
        .select(pl.col(name).cast(dtype) for name, dtype in _OUTPUT_SCHEMA.items())
        .sort("segment_id", nulls_last=True)
    )
