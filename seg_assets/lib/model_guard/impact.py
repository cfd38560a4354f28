"""Downgrade impact of replacing the serving segment assignment with a candidate one.

A customer's service level is the better (lower rank) of what its segment and its tier entitle
it to; a customer is downgraded when that level gets worse.
"""

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from pydantic import Field

from seg_assets.lib.config import ConfigModel, PositiveInt, Share
from seg_assets.lib.model_guard._figures import measured_and_limit

ASSIGNMENT_COLUMNS = (
    "customer_key",
    "segment_name",
    "tier",
    "revenue",
    "margin",
    "region",
    "parent_group",
)
GROUP_COLUMNS = ("region", "parent_group")
GROUP_LABELS = {"region": "region", "parent_group": "parent group"}
# Shares are sums of floats divided by sums of floats; a limit met exactly may come out a few
# ulps above it, which must not hold a model back.
SHARE_TOLERANCE = 1e-12


class AssignmentFrameError(ValueError):
    """A segment assignment frame lacks a column or does not hold one row per customer."""


class ServiceLevels(ConfigModel):
    """Service-level rank of each segment and tier; 1 is the highest service.

    Attributes
    ----------
    segments : dict[str, int]
        Rank per segment name.
    tiers : dict[str, int]
        Rank per tier.
    default : int
        Rank of a segment or tier not listed.
    """

    segments: dict[str, PositiveInt] = Field(default_factory=dict)
    tiers: dict[str, PositiveInt] = Field(default_factory=dict)
    default: PositiveInt = 3

    def level_of_segment(self, name: str | None) -> int:
        """Rank of segment ``name`` (``default`` when not listed)."""
        return self.segments.get(name, self.default) if name is not None else self.default

    def level_of_tier(self, name: str | None) -> int:
        """Rank of tier ``name`` (``default`` when not listed)."""
        return self.tiers.get(name, self.default) if name is not None else self.default

    def level_of(self, segment_name: str | None, tier: str | None) -> int:
        """Rank of a position: the better of segment and tier; without a tier, the segment's."""
        segment_level = self.level_of_segment(segment_name)
        return min(segment_level, self.level_of_tier(tier)) if tier else segment_level


@dataclass(frozen=True)
class ImpactTotals:
    """Customers, revenue and (signed) margin of a set of customers."""

    customers: int
    revenue: float
    margin: float


@dataclass(frozen=True, eq=False)
class DowngradeImpact:
    """Who would get a lower service level if the candidate assignment replaced the serving one.

    Attributes
    ----------
    total : ImpactTotals
        Customers in both assignments (the comparison), their revenue and margin.
    downgraded : ImpactTotals
        The compared customers whose service level gets worse.
    customer_share, revenue_share : float
        Downgraded customers and revenue as shares of the total (0 when the total is 0).
    margin_share : float
        Sum of absolute margin of the downgraded over that of all compared customers (0 when
        that is 0), so loss-making customers weigh in by their size.
    by_region, by_parent_group : pl.DataFrame
        Per region / parent group: ``customers``, ``downgraded_customers``,
        ``downgraded_revenue``, ``downgraded_margin``, ``customer_share`` (of the group's
        customers) and ``revenue_share`` (of the group's revenue); highest downgraded revenue
        first.
    moves : pl.DataFrame
        Downgraded customers by ``from_segment``, ``to_segment``, ``from_level``, ``to_level``
        with their ``customers`` and ``revenue``; highest revenue first.
    new_customers, gone_customers : int
        Customers only in the candidate assignment, and only in the serving one.
    """

    total: ImpactTotals
    downgraded: ImpactTotals
    customer_share: float
    revenue_share: float
    margin_share: float
    by_region: pl.DataFrame
    by_parent_group: pl.DataFrame
    moves: pl.DataFrame
    new_customers: int
    gone_customers: int


class ImpactLimits(ConfigModel):
    """Largest downgrade a model may cause and still be published without approval.

    Attributes
    ----------
    max_customer_share, max_revenue_share, max_margin_share : float
        Largest share of compared customers, revenue and absolute margin that may be
        downgraded, in (0, 1] (1: no limit).
    max_group_customer_share : float
        Largest share of one region's or one parent group's customers that may be downgraded.
    min_group_customers : int
        Regions and parent groups with fewer compared customers are not held to
        ``max_group_customer_share`` (one customer of two is not a pattern).
    """

    max_customer_share: Share = 0.05
    max_revenue_share: Share = 0.05
    max_margin_share: Share = 0.05
    max_group_customer_share: Share = 0.25
    min_group_customers: PositiveInt = 20


def downgrade_impact(
    before: pl.DataFrame, after: pl.DataFrame, levels: ServiceLevels
) -> DowngradeImpact:
    """Compare the serving assignment ``before`` with the candidate ``after``, customer by customer.

    Parameters
    ----------
    before, after : pl.DataFrame
        One row per customer: ``customer_key``, ``segment_name``, ``tier`` (null: only the
        segment counts), ``revenue``, ``margin``, ``region``, ``parent_group``. Revenue,
        margin, region and parent group of a compared customer are taken from ``after``, the
        latest data the replacement would act on.
    levels : ServiceLevels
        Ranks of segments and tiers.

    Returns
    -------
    DowngradeImpact
        Totals, shares, per-group figures and segment moves of the downgraded customers.

    Raises
    ------
    AssignmentFrameError
        A column is missing, or a customer key is null or appears twice.
    """
    serving = _positions(before, "before", levels).select(
        "customer_key",
        pl.col("segment_name").alias("from_segment"),
        pl.col("level").alias("from_level"),
    )
    candidate = _positions(after, "after", levels).select(
        "customer_key",
        pl.col("segment_name").alias("to_segment"),
        pl.col("level").alias("to_level"),
        "revenue",
        "margin",
        "region",
        "parent_group",
    )
    compared = candidate.join(serving, on="customer_key", how="inner").with_columns(
        downgraded=pl.col("to_level") > pl.col("from_level")
    )
    down = compared.filter("downgraded")
    total = _totals(compared)
    downgraded = _totals(down)
    return DowngradeImpact(
        total=total,
        downgraded=downgraded,
        customer_share=_share(downgraded.customers, total.customers),
        revenue_share=_share(downgraded.revenue, total.revenue),
        margin_share=_share(down["margin"].abs().sum(), compared["margin"].abs().sum()),
        by_region=_group_impact(compared, "region"),
        by_parent_group=_group_impact(compared, "parent_group"),
        moves=_moves(down),
        new_customers=candidate.height - compared.height,
        gone_customers=serving.height - compared.height,
    )


def impact_breaches(impact: DowngradeImpact, limits: ImpactLimits) -> list[str]:
    """One plain-English sentence per limit the downgrade exceeds.

    Parameters
    ----------
    impact : DowngradeImpact
        The measured downgrade.
    limits : ImpactLimits
        The largest shares allowed; a share equal to its limit is within it.

    Returns
    -------
    list[str]
        Customer, revenue and margin breaches, then one per region and one per parent group
        (of at least ``min_group_customers`` customers, with a known name) over the group
        limit; empty when every share is within its limit.
    """
    breaches = []
    overall = (
        (
            impact.customer_share,
            limits.max_customer_share,
            f"of customers ({impact.downgraded.customers} of {impact.total.customers})",
        ),
        (impact.revenue_share, limits.max_revenue_share, "of revenue"),
        (impact.margin_share, limits.max_margin_share, "of absolute margin"),
    )
    for share, limit, what in overall:
        if _exceeds(share, limit):
            measured, allowed = measured_and_limit(share, limit, percent=True)
            breaches.append(
                f"{measured} {what} would move to a lower service level (limit {allowed})"
            )
    limit = limits.max_group_customer_share
    for column, groups in (("region", impact.by_region), ("parent_group", impact.by_parent_group)):
        breaching = groups.filter(
            pl.col(column).is_not_null(),
            pl.col("customers") >= limits.min_group_customers,
            pl.col("customer_share") > limit + SHARE_TOLERANCE,
        ).sort(["customer_share", column], descending=[True, False])
        for row in breaching.iter_rows(named=True):
            measured, allowed = measured_and_limit(row["customer_share"], limit, percent=True)
            breaches.append(
                f"{measured} of the customers of {GROUP_LABELS[column]} {row[column]} "
                f"({row['downgraded_customers']} of {row['customers']}) would move to a lower "
                f"service level (limit {allowed})"
            )
    return breaches


def _positions(frame: pl.DataFrame, name: str, levels: ServiceLevels) -> pl.DataFrame:
    """``frame`` with the service ``level`` of each customer's segment and tier."""
    missing = [column for column in ASSIGNMENT_COLUMNS if column not in frame.columns]
    if missing:
        raise AssignmentFrameError(
            f"the {name} assignment lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(ASSIGNMENT_COLUMNS)}"
        )
    keys = frame["customer_key"]
    if keys.null_count():
        raise AssignmentFrameError(
            f"the {name} assignment has {keys.null_count()} row(s) without a customer_key"
        )
    duplicated = keys.filter(keys.is_duplicated()).unique().sort().head(5).to_list()
    if duplicated:
        raise AssignmentFrameError(
            f"the {name} assignment has more than one row for customer_key {duplicated}"
        )
    frame = frame.with_columns(
        pl.col("segment_name").cast(pl.String),
        # As in ServiceLevels.level_of, an empty tier is no tier.
        pl.when(pl.col("tier").cast(pl.String) != "")
        .then(pl.col("tier").cast(pl.String))
        .alias("tier"),
        pl.col("revenue").cast(pl.Float64),
        pl.col("margin").cast(pl.Float64),
    )
    segment_level = _ranks(frame["segment_name"], levels.level_of_segment).fill_null(levels.default)
    tier_level = _ranks(frame["tier"], levels.level_of_tier)
    # min_horizontal skips nulls: a customer without a tier has its segment's level.
    return frame.with_columns(level=pl.min_horizontal(segment_level, tier_level))


def _ranks(names: pl.Series, level_of: Callable[[str], int]) -> pl.Expr:
    """Rank of each name by ``level_of``, computed once per distinct name; null stays null."""
    distinct = names.drop_nulls().unique().to_list()
    if not distinct:
        # polars mistypes replace_strict with an empty mapping (String, not the return dtype).
        return pl.lit(None, dtype=pl.Int64)
    return pl.col(names.name).replace_strict(
        pl.Series(distinct, dtype=pl.String),
        pl.Series([level_of(name) for name in distinct], dtype=pl.Int64),
    )


def _totals(frame: pl.DataFrame) -> ImpactTotals:
    return ImpactTotals(
        customers=frame.height,
        revenue=float(frame["revenue"].sum()),
        margin=float(frame["margin"].sum()),
    )


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _group_impact(compared: pl.DataFrame, column: str) -> pl.DataFrame:
    downgraded = pl.col("downgraded")
    return (
        compared.group_by(column)
        .agg(
            customers=pl.len().cast(pl.Int64),
            downgraded_customers=downgraded.sum().cast(pl.Int64),
            downgraded_revenue=pl.col("revenue").filter(downgraded).sum(),
            downgraded_margin=pl.col("margin").filter(downgraded).sum(),
            revenue=pl.col("revenue").sum(),
        )
        .with_columns(
            customer_share=pl.col("downgraded_customers") / pl.col("customers"),
            revenue_share=pl.when(pl.col("revenue") != 0)
            .then(pl.col("downgraded_revenue") / pl.col("revenue"))
            .otherwise(0.0),
        )
        .drop("revenue")
        .sort(
            ["downgraded_revenue", "downgraded_customers", column],
            descending=[True, True, False],
            nulls_last=True,
        )
    )


def _moves(down: pl.DataFrame) -> pl.DataFrame:
    keys = ["from_segment", "to_segment", "from_level", "to_level"]
    return (
        down.group_by(keys)
        .agg(customers=pl.len().cast(pl.Int64), revenue=pl.col("revenue").sum())
        .sort(
            ["revenue", "customers", *keys],
            descending=[True, True, False, False, False, False],
            nulls_last=True,
        )
    )


def _exceeds(share: float, limit: float) -> bool:
    return share > limit + SHARE_TOLERANCE
