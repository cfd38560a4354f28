"""Candidate pairs of customer records: deterministic rules plus a Splink (Fellegi-Sunter) model.

Splink was chosen over hand-written scoring: it trains match weights without labels (u by
random sampling, m by expectation-maximisation), blocks so work grows with block sizes rather
than the square of the records, and runs its SQL on DuckDB (and on Spark, where we are going).
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from seg_assets.lib.mdm.settings import BlockingKey, Comparison, DeterministicRule, MdmSettings

RECORD_ID = "record_id"
PAIR_COLUMNS = ("record_id_l", "record_id_r", "match_probability", "match_weight", "match_rule")
PROBABILISTIC_RULE = "probabilistic"
PROBABILITY_DECIMALS = 9


@dataclass(frozen=True)
class MatchResult:
    """Scored candidate pairs and what the model learned."""

    pairs: pl.DataFrame
    model: dict[str, Any]
    training_steps: tuple[str, ...]
    seconds: dict[str, float]


def _comparison(comparison: Comparison) -> Any:
    """The Splink comparison for one configured field comparison."""
    field, thresholds = comparison.field, list(comparison.thresholds)
    match comparison.method:
        case "exact":
            return cl.ExactMatch(field)
        case "jaro_winkler":
            return cl.JaroWinklerAtThresholds(field, thresholds)
        case "jaccard":
            return cl.JaccardAtThresholds(field, thresholds)
        case "levenshtein":
            return cl.LevenshteinAtThresholds(field, [int(t) for t in thresholds])
        case "date_difference":
            return cl.AbsoluteDateDifferenceAtThresholds(
                field, input_is_string=False, metrics=["day"] * len(thresholds),
                thresholds=thresholds,
            )  # fmt: skip
        case _:  # numeric_difference (the settings reader admits no other method)
            return cl.CustomComparison(
                comparison_levels=[
                    cll.NullLevel(field),
                    cll.ExactMatchLevel(field),
                    *(cll.AbsoluteDifferenceLevel(field, t) for t in thresholds),
                    cll.ElseLevel(),
                ],
                output_column_name=field,
            )


def _blocking_rule(keys: tuple[BlockingKey, ...]) -> Any:
    return block_on(*(key.expression for key in keys))


def _key_values(records: pl.DataFrame, keys: tuple[BlockingKey, ...]) -> list[pl.Expr]:
    return [
        pl.col(key.field).str.slice(0, key.first_chars) if key.first_chars else pl.col(key.field)
        for key in keys
    ]


def candidate_pair_count(records: pl.DataFrame, keys: tuple[BlockingKey, ...]) -> int:
    """How many pairs a blocking rule yields: records sharing every key, no key empty."""
    values = _key_values(records, keys)
    blocks = (
        records.select(values).drop_nulls().group_by(pl.all()).len().get_column("len")
        if values
        else pl.Series([], dtype=pl.UInt32)
    )
    return int((blocks.cast(pl.Int64) * (blocks.cast(pl.Int64) - 1) // 2).sum())


def deterministic_pairs(
    records: pl.DataFrame, rules: tuple[DeterministicRule, ...]
) -> pl.DataFrame:
    """Links between records that agree on every field of a rule.

    Each record of a group is linked to the group's first record (a star, not all pairs), which
    connects the group with ``n - 1`` links instead of ``n * (n - 1) / 2``.

    Parameters
    ----------
    records
        Standardized records with ``record_id`` and the rule fields.
    rules
        The deterministic rules, strongest first: a pair found by two rules is credited to the
        first.
    """
    found = []
    for rule in rules:
        fields = list(rule.fields)
        grouped = records.select(RECORD_ID, *fields).drop_nulls(fields)
        grouped = grouped.with_columns(pl.col(RECORD_ID).min().over(fields).alias("record_id_l"))
        found.append(
            grouped.filter(pl.col(RECORD_ID) != pl.col("record_id_l")).select(
                "record_id_l",
                pl.col(RECORD_ID).alias("record_id_r"),
                pl.lit(1.0).alias("match_probability"),
                pl.lit(None, dtype=pl.Float64).alias("match_weight"),
                pl.lit(rule.name).alias("match_rule"),
            )
        )
    if not found:
        return pl.DataFrame(schema=_pair_schema())
    return pl.concat(found).unique(
        ["record_id_l", "record_id_r"], keep="first", maintain_order=True
    )


def _pair_schema() -> dict[str, pl.DataType]:
    return {
        "record_id_l": pl.String(),
        "record_id_r": pl.String(),
        "match_probability": pl.Float64(),
        "match_weight": pl.Float64(),
        "match_rule": pl.String(),
    }


def _splink_settings(settings: MdmSettings) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=RECORD_ID,
        comparisons=[_comparison(comparison) for comparison in settings.comparisons],
        blocking_rules_to_generate_predictions=[
            _blocking_rule(rule) for rule in settings.blocking_rules
        ],
        retain_intermediate_calculation_columns=False,
    )


def _train(linker: Linker, records: pl.DataFrame, settings: MdmSettings) -> list[str]:
    """Unsupervised training; steps the data is too small for are skipped and reported."""
    training = settings.training
    steps = []
    rules = [block_on(*rule.fields) for rule in settings.deterministic_rules]
    if rules and not deterministic_pairs(records, settings.deterministic_rules).is_empty():
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=training.deterministic_recall
        )
        steps.append("prior match rate from the deterministic rules")
    linker.training.estimate_u_using_random_sampling(
        max_pairs=training.u_sample_pairs, seed=training.seed
    )
    steps.append(f"u probabilities from up to {training.u_sample_pairs:,} random pairs")
    for keys in training.em_blocking_rules:
        label = " & ".join(key.expression for key in keys)
        pairs = candidate_pair_count(records, keys)
        if pairs < training.min_pairs:
            steps.append(f"EM on {label} skipped: {pairs} pairs < {training.min_pairs}")
            continue
        linker.training.estimate_parameters_using_expectation_maximisation(
            _blocking_rule(keys), fix_probability_two_random_records_match=True
        )
        steps.append(f"EM on {label} ({pairs:,} pairs)")
    return steps


def score_pairs(
    records: pl.DataFrame,
    settings: MdmSettings,
    duckdb_config: dict[str, Any] | None = None,
) -> MatchResult:
    """Train the probabilistic model on ``records`` and score their candidate pairs.

    Parameters
    ----------
    records
        Standardized records (``standardize_records``), one row per ``record_id``.
    settings
        Fields, comparisons, blocking and training settings.
    duckdb_config
        Settings for Splink's own in-memory DuckDB (memory limit, threads).

    Returns
    -------
    MatchResult
        Pairs at or above the lowest configured threshold, deterministic links included
        (probability 1), with the rule that found each.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    deterministic = deterministic_pairs(records, settings.deterministic_rules)
    seconds["deterministic"] = time.perf_counter() - started

    con = duckdb.connect(config={key: str(value) for key, value in (duckdb_config or {}).items()})
    api = DuckDBAPI(con)
    linker = Linker(
        api.register(records.to_arrow(), dataset_display_name="customer_records"),
        _splink_settings(settings),
        log_level=logging.ERROR,
    )
    started = time.perf_counter()
    steps = _train(linker, records, settings)
    seconds["training"] = time.perf_counter() - started

    started = time.perf_counter()
    lowest = min((settings.match_threshold, *settings.what_if_thresholds))
    predicted = linker.inference.predict(threshold_match_probability=lowest)
    probabilistic = pl.from_arrow(predicted.as_pyarrow_table())
    seconds["prediction"] = time.perf_counter() - started
    model = linker.misc.save_model_to_json()
    con.close()

    # gamma_<field> is the comparison level each field reached: why a pair scored as it did.
    probabilistic = probabilistic.select(
        "record_id_l",
        "record_id_r",
        # Rounded: DuckDB's parallel sums differ in the last bits from run to run, and a rerun
        # on the same data must give the same pairs, links and keys.
        pl.col("match_probability").cast(pl.Float64).round(PROBABILITY_DECIMALS),
        pl.col("match_weight").cast(pl.Float64).round(PROBABILITY_DECIMALS),
        pl.lit(PROBABILISTIC_RULE).alias("match_rule"),
        *(pl.col(f"gamma_{c.field}").cast(pl.Int8) for c in settings.comparisons),
    )
    # A pair both found by a rule and scored keeps the rule (its probability is 1 by definition).
    ordered = pl.concat([deterministic, _ordered(probabilistic)], how="diagonal_relaxed")
    pairs = _ordered(ordered).unique(["record_id_l", "record_id_r"], keep="first")
    return MatchResult(
        pairs=pairs.sort("record_id_l", "record_id_r"),
        model=model,
        training_steps=tuple(steps),
        seconds=seconds,
    )


def _ordered(pairs: pl.DataFrame) -> pl.DataFrame:
    """Each pair written with the smaller record ID on the left."""
    left, right = pl.col("record_id_l"), pl.col("record_id_r")
    return pairs.with_columns(
        pl.min_horizontal(left, right).alias("record_id_l"),
        pl.max_horizontal(left, right).alias("record_id_r"),
    )


def match_weights_table(model: dict[str, Any]) -> pl.DataFrame:
    """One row per comparison level: its label and trained m, u and Bayes factor."""
    rows = []
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            rows.append(
                {
                    "field": comparison.get("output_column_name"),
                    "level": level.get("label_for_charts"),
                    "m_probability": m,
                    "u_probability": u,
                    "bayes_factor": (m / u) if m is not None and u else None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "field": pl.String,
            "level": pl.String,
            "m_probability": pl.Float64,
            "u_probability": pl.Float64,
            "bayes_factor": pl.Float64,
        },
    )
