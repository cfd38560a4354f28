"""Corporate hierarchy: groups, their country subsidiaries and the subsidiaries' sites."""

from dataclasses import dataclass

import numpy as np

SITE_SHARE_OF_SUBSIDIARIES = 0.25  # depth-2 links (group -> subsidiary -> site)
SUBSIDIARIES_PER_GROUP = 3.5


@dataclass(frozen=True)
class Hierarchy:
    """True parent of each customer (-1 for none) and its depth (0 top, 1 subsidiary, 2 site)."""

    parent: np.ndarray
    level: np.ndarray

    @property
    def children(self) -> np.ndarray:
        """Indices of customers that have a parent."""
        return np.flatnonzero(self.parent >= 0)


def draw_hierarchy(
    n: int, subsidiary_share: float, size_weight: np.ndarray, rng: np.random.Generator
) -> Hierarchy:
    """Choose groups, subsidiaries and sites among the customers.

    Parameters
    ----------
    n
        Number of real customers.
    subsidiary_share
        Share of customers with a parent.
    size_weight
        Positive weight per customer; heavier customers are likelier to head a group.
    rng
        The hierarchy stream.
    """
    subsidiaries = round(subsidiary_share * n)
    sites = round(SITE_SHARE_OF_SUBSIDIARIES * subsidiaries)
    level_one = subsidiaries - sites
    groups = (
        min(max(1, round(level_one / SUBSIDIARIES_PER_GROUP)), n - subsidiaries) if level_one else 0
    )
    if sites and not level_one:
        sites, level_one = 0, subsidiaries
    # Weighted order without replacement (Efraimidis-Spirakis keys) picks the group heads.
    keys = np.log(rng.random(n)) / size_weight
    by_weight = np.argsort(-keys, kind="stable")
    group_heads = by_weight[:groups]
    rest = rng.permutation(by_weight[groups:])
    level_one_members = rest[:level_one]
    site_members = rest[level_one : level_one + sites]

    parent = np.full(n, -1, dtype=np.int64)
    level = np.zeros(n, dtype=np.int8)
    if groups:
        # Group sizes are skewed: a few groups own many subsidiaries.
        weights = 1.0 / np.arange(1, groups + 1) ** 0.8
        parent[level_one_members] = rng.choice(group_heads, level_one, p=weights / weights.sum())
        level[level_one_members] = 1
    if sites:
        parent[site_members] = rng.choice(level_one_members, sites)
        level[site_members] = 2
    return Hierarchy(parent=parent, level=level)
