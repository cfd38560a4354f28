"""The guard's decision: publish a retrained model, or hold it as pending approval, and why."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from seg_assets.lib.config import ConfigModel, Probability
from seg_assets.lib.model_guard._figures import measured_and_limit, percent
from seg_assets.lib.model_guard.freeze import FreezeWindow
from seg_assets.lib.model_guard.impact import (
    GROUP_LABELS,
    DowngradeImpact,
    ImpactLimits,
    impact_breaches,
)
from seg_assets.lib.table_preview import markdown_table

PUBLISHED = "published"
PENDING_APPROVAL = "pending_approval"
TOP_GROUPS = 10
STABILITY_MEASURES = (("bootstrap_ari", "bootstrap ARI"), ("holdout_ari", "holdout ARI"))
NO_GROUP = "(none)"


class GuardLimits(ConfigModel):
    """What a retrained model must meet to replace the serving one without approval.

    Attributes
    ----------
    min_bootstrap_ari, min_holdout_ari : float
        Lowest stability accepted, strictly between 0 and 1 (a value equal to the minimum
        passes).
    impact : ImpactLimits
        Largest downgrade of customers, revenue and margin accepted.
    """

    min_bootstrap_ari: Probability = 0.7
    min_holdout_ari: Probability = 0.6
    impact: ImpactLimits = ImpactLimits()


@dataclass(frozen=True)
class GuardDecision:
    """Whether the candidate model is published, with the reasons.

    Attributes
    ----------
    approved : bool
        True: the model replaces the serving one; False: it waits for approval.
    reasons : tuple[str, ...]
        Every reason to hold the model, or one line saying why it passed.
    """

    approved: bool
    reasons: tuple[str, ...]

    @property
    def verdict(self) -> str:
        """``published`` when approved, else ``pending_approval``."""
        return PUBLISHED if self.approved else PENDING_APPROVAL

    def summary(self) -> str:
        """The verdict and its reasons on one line."""
        return f"{self.verdict}: {'; '.join(self.reasons)}" if self.reasons else self.verdict


def decide(
    stability: Mapping[str, float],
    checks_failed: Sequence[str],
    freeze: FreezeWindow | None,
    impact: DowngradeImpact | None,
    limits: GuardLimits,
) -> GuardDecision:
    """Publish the candidate model, or hold it for approval, naming every reason.

    Parameters
    ----------
    stability : Mapping[str, float]
        ``bootstrap_ari`` and ``holdout_ari`` of the candidate; a missing, None or NaN value
        is a reason to hold.
    checks_failed : Sequence[str]
        Names of the quality checks the candidate failed; each is a reason to hold.
    freeze : FreezeWindow | None
        The change freeze active now (see ``active_freeze``), a reason to hold.
    impact : DowngradeImpact | None
        Downgrade impact against the serving assignment; None when there is no serving
        assignment to compare with (a first model), which downgrades nobody.
    limits : GuardLimits
        Minimum stability and largest downgrade accepted.

    Returns
    -------
    GuardDecision
        Approved when there is no reason to hold; then its one reason lists the measured
        stability (and downgrade shares) it passed with.
    """
    reasons: list[str] = []
    measured: dict[str, float] = {}
    minimums = {"bootstrap_ari": limits.min_bootstrap_ari, "holdout_ari": limits.min_holdout_ari}
    for key, label in STABILITY_MEASURES:
        value = _measured(stability.get(key))
        if value is None:
            reasons.append(f"{label} was not measured")
        elif value < minimums[key]:
            value_text, minimum_text = measured_and_limit(value, minimums[key], percent=False)
            reasons.append(f"{label} {value_text} is below the minimum {minimum_text}")
        else:
            measured[key] = value
    reasons.extend(f"quality check failed: {name}" for name in checks_failed)
    if freeze is not None:
        reasons.append(f"inside change freeze {freeze.label}")
    if impact is not None:
        reasons.extend(impact_breaches(impact, limits.impact))
    if reasons:
        return GuardDecision(approved=False, reasons=tuple(reasons))
    stable = ", ".join(
        f"{label} {measured[key]:.3f} >= {minimums[key]:.3f}" for key, label in STABILITY_MEASURES
    )
    downgrades = (
        "no serving assignment to compare with"
        if impact is None
        else f"downgrades within limits ({percent(impact.customer_share)} of customers, "
        f"{percent(impact.revenue_share)} of revenue, {percent(impact.margin_share)} of "
        "absolute margin)"
    )
    return GuardDecision(
        approved=True,
        reasons=(f"passed: {stable}; no failed checks, no change freeze; {downgrades}",),
    )


def impact_markdown(impact: DowngradeImpact, decision: GuardDecision) -> str:
    """A short markdown report of the decision and the downgrade impact behind it.

    Parameters
    ----------
    impact : DowngradeImpact
        The downgrade measured against the serving assignment.
    decision : GuardDecision
        The guard's decision.

    Returns
    -------
    str
        The verdict and its reasons, a totals table, the top regions and parent groups by
        downgraded revenue and the table of segment moves of the downgraded customers.
    """
    total, down = impact.total, impact.downgraded
    totals = markdown_table(
        ["measure", "compared", "downgraded", "share"],
        [
            ["customers", total.customers, down.customers, percent(impact.customer_share)],
            [
                "revenue",
                _amount(total.revenue),
                _amount(down.revenue),
                percent(impact.revenue_share),
            ],
            [
                "margin",
                _amount(total.margin),
                _amount(down.margin),
                f"{percent(impact.margin_share)} (of absolute margin)",
            ],
        ],
    )
    sections = [
        f"### Model guard: {decision.verdict}",
        "\n".join(f"- {reason}" for reason in decision.reasons),
        "#### Downgrade impact",
        f"Customers in both assignments; {impact.new_customers} new and "
        f"{impact.gone_customers} gone customer(s) are not compared.",
        totals,
        *_group_section(impact.by_region, "region", "Regions"),
        *_group_section(impact.by_parent_group, "parent_group", "Parent groups"),
        "#### Downgrade moves",
    ]
    if impact.moves.is_empty():
        sections.append("No customer would move to a lower service level.")
    else:
        sections.append(
            markdown_table(
                ["from segment", "to segment", "from level", "to level", "customers", "revenue"],
                [
                    [*row[:5], _amount(row[5])]
                    for row in impact.moves.select(
                        "from_segment",
                        "to_segment",
                        "from_level",
                        "to_level",
                        "customers",
                        "revenue",
                    ).iter_rows()
                ],
            )
        )
    return "\n\n".join(sections) + "\n"


def _measured(value: object) -> float | None:
    """``value`` as a number, None when it was not measured (absent, None, NaN, not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _amount(value: float) -> str:
    return f"{value:,.2f}"


def _group_section(groups: pl.DataFrame, column: str, title: str) -> list[str]:
    """Heading and table of the groups with downgraded customers, most revenue first."""
    hit = groups.filter(pl.col("downgraded_customers") > 0)
    heading = f"#### {title} by downgraded revenue (top {TOP_GROUPS})"
    if hit.is_empty():
        return [heading, f"No {GROUP_LABELS[column]} has a downgraded customer."]
    rows = [
        [
            NO_GROUP if row[column] is None else row[column],
            row["customers"],
            row["downgraded_customers"],
            _amount(row["downgraded_revenue"]),
            _amount(row["downgraded_margin"]),
            percent(row["customer_share"]),
            percent(row["revenue_share"]),
        ]
        for row in hit.head(TOP_GROUPS).iter_rows(named=True)
    ]
    headers = [
        GROUP_LABELS[column],
        "customers",
        "downgraded",
        "downgraded revenue",
        "downgraded margin",
        "customer share",
        "revenue share",
    ]
    return [heading, markdown_table(headers, rows)]
