"""Review a retrained model against the serving one on the month's customers, in the warehouse.

Builds the two assignments the guard compares (segment, tier, revenue, margin, country as the
region, ultimate parent as the group) and decides with the configured limits.
"""

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from seg_assets.lib.automation.settings import GuardSettings
from seg_assets.lib.model_guard.decision import GuardDecision, decide, impact_markdown
from seg_assets.lib.model_guard.freeze import active_freeze
from seg_assets.lib.model_guard.impact import DowngradeImpact, downgrade_impact
from seg_assets.lib.warehouse import table_exists

_CONTEXT = """
select
    features.customer_key,
    features.revenue,
    features.revenue - features.cost_of_goods - features.cost_to_serve as margin,
    golden.country as region,
    hierarchy.ultimate_parent_key as parent_group,
    {tier} as tier,
from marts.fct_customer_features as features
left join mdm.dim_customer_golden as golden
    on features.customer_key = golden.customer_key
left join mdm.customer_hierarchy as hierarchy
    on features.customer_key = hierarchy.customer_key
{tier_join}
where features.as_of_month = $month
"""
_TIER_JOIN = """left join marts.fct_customer_tiers as tiers
    on features.customer_key = tiers.customer_key and tiers.as_of_month = features.as_of_month"""


@dataclass(frozen=True)
class Review:
    """The guard's decision on a candidate, its downgrade impact and the report in markdown."""

    decision: GuardDecision
    impact: DowngradeImpact
    report: str


def customer_context(con: duckdb.DuckDBPyConnection, month: date) -> pl.DataFrame:
    """Revenue, margin, region, parent group and tier of each customer with features."""
    tiers = table_exists(con, "marts", "fct_customer_tiers")
    sql = _CONTEXT.format(
        tier="tiers.tier" if tiers else "cast(null as varchar)",
        tier_join=_TIER_JOIN if tiers else "",
    )
    return con.sql(sql, params={"month": month}).pl()


def review_candidate(
    con: duckdb.DuckDBPyConnection,
    month: date,
    serving: pl.DataFrame,
    candidate: pl.DataFrame,
    stability: dict[str, float],
    checks_failed: list[str],
    guard: GuardSettings,
    now: datetime,
) -> Review:
    """Decide whether ``candidate`` may replace ``serving`` on ``month``'s customers.

    Parameters
    ----------
    serving, candidate
        ``customer_key, segment_name`` of the month under each model.
    stability
        The candidate's ``bootstrap_ari`` and ``holdout_ari``.
    checks_failed
        Names of the quality rules the candidate breaks.
    guard
        Limits, service levels and change freezes (config/automation.yaml ``guard``).
    now
        When the run decides (freeze windows are calendar days).
    """
    context = customer_context(con, month)
    before = serving.select("customer_key", "segment_name").join(context, on="customer_key")
    after = candidate.select("customer_key", "segment_name").join(context, on="customer_key")
    impact = downgrade_impact(before, after, guard.service_levels)
    freeze = active_freeze(guard.freeze_windows, now)
    decision = decide(stability, checks_failed, freeze, impact, guard.limits)
    return Review(decision, impact, impact_markdown(impact, decision))
