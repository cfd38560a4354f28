"""A hand-made serving and candidate assignment of nine customers, and their service levels.

Ranks: segments Strategic 1, Growth 2, Core 3, Tail 4; tiers A 1, B 2, C 3; anything else 5.
A position's level is min(segment rank, tier rank), the segment rank alone without a tier.

| key | serving     | lvl | candidate | lvl | region | group | revenue | margin | downgraded |
|-----|-------------|-----|-----------|-----|--------|-------|---------|--------|------------|
| c1  | Strategic/- | 1   | Growth/-  | 2   | North  | G1    | 1000    | 200    | yes        |
| c2  | Growth/A    | 1   | Core/A    | 1   | North  | G1    | 800     | 100    | no (a)     |
| c3  | Core/B      | 2   | Tail/C    | 3   | North  | G2    | 500     | -50    | yes        |
| c4  | Legacy/-    | 5   | Tail/-    | 4   | South  | G2    | 300     | 30     | no (b)     |
| c5  | Growth/B    | 2   | Growth/Z  | 2   | South  | G1    | 400     | 40     | no (c)     |
| c6  | Strategic/- | 1   | Growth/-  | 2   | South  | G2    | 200     | -20    | yes        |
| c7  | Core/A      | 1   | Core/-    | 3   | North  | G2    | 600     | 60     | yes (d)    |
| c8  | Tail/C      | 3   | (gone)    |     | South  | G1    | 900     | 90     |            |
| c9  | (new)       |     | Core/B    | 2   | North  | G1    | 700     | 70     |            |

(a) its segment drops Growth -> Core, but tier A keeps it at level 1.
(b) an upgrade: the unlisted Legacy is 5, Tail is 4.
(c) the unlisted tier Z is 5; min(Growth 2, 5) = 2 as before.
(d) it loses tier A: from min(3, 1) = 1 to the segment's 3.
"""

import polars as pl

from seg_assets.lib.model_guard.impact import DowngradeImpact, ServiceLevels, downgrade_impact

LEVELS = ServiceLevels(
    segments={"Strategic": 1, "Growth": 2, "Core": 3, "Tail": 4},
    tiers={"A": 1, "B": 2, "C": 3},
    default=5,
)

CUSTOMERS = {
    # key: (region, parent_group, revenue, margin)
    "c1": ("North", "G1", 1000.0, 200.0),
    "c2": ("North", "G1", 800.0, 100.0),
    "c3": ("North", "G2", 500.0, -50.0),
    "c4": ("South", "G2", 300.0, 30.0),
    "c5": ("South", "G1", 400.0, 40.0),
    "c6": ("South", "G2", 200.0, -20.0),
    "c7": ("North", "G2", 600.0, 60.0),
    "c8": ("South", "G1", 900.0, 90.0),
    "c9": ("North", "G1", 700.0, 70.0),
}
SERVING = {
    "c1": ("Strategic", None),
    "c2": ("Growth", "A"),
    "c3": ("Core", "B"),
    "c4": ("Legacy", None),
    "c5": ("Growth", "B"),
    "c6": ("Strategic", None),
    "c7": ("Core", "A"),
    "c8": ("Tail", "C"),
}
CANDIDATE = {
    "c1": ("Growth", None),
    "c2": ("Core", "A"),
    "c3": ("Tail", "C"),
    "c4": ("Tail", None),
    "c5": ("Growth", "Z"),
    "c6": ("Growth", None),
    "c7": ("Core", None),
    "c9": ("Core", "B"),
}


def assignment(positions: dict[str, tuple[str, str | None]]) -> pl.DataFrame:
    rows = [(key, segment, tier, *CUSTOMERS[key]) for key, (segment, tier) in positions.items()]
    return pl.DataFrame(
        rows,
        schema=[
            ("customer_key", pl.String),
            ("segment_name", pl.String),
            ("tier", pl.String),
            ("region", pl.String),
            ("parent_group", pl.String),
            ("revenue", pl.Float64),
            ("margin", pl.Float64),
        ],
        orient="row",
    )


def fixture_impact() -> DowngradeImpact:
    return downgrade_impact(assignment(SERVING), assignment(CANDIDATE), LEVELS)
