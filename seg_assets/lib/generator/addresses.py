"""Street addresses and VAT numbers, and the variants other systems and clerks write."""

import numpy as np
import polars as pl

from seg_assets.lib.generator.geography import COUNTRY_CODES
from seg_assets.lib.generator.vocabulary import STREET_ABBREVIATIONS, STREETS


def streets(country: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Draw a street address in each customer's national style (``Hauptstraße 12``).

    Parameters
    ----------
    country
        Country index per customer.
    rng
        The customers' stream.
    """
    templates = np.empty(country.size, dtype=object)
    for index, code in enumerate(COUNTRY_CODES):
        members = np.flatnonzero(country == index)
        options = np.array(STREETS[code], dtype=object)
        templates[members] = options[rng.integers(0, options.size, members.size)]
    numbers = pl.Series(rng.integers(1, 180, country.size)).cast(pl.String)
    frame = pl.DataFrame({"template": pl.Series(templates, dtype=pl.String), "n": numbers})
    return frame.select(
        pl.concat_str(
            pl.col("template").str.split("{n}").list.get(0),
            pl.col("n"),
            pl.col("template").str.split("{n}").list.get(1),
        ).alias("street")
    ).to_series()


def abbreviate_streets(street: pl.Series) -> pl.Series:
    """Write streets as a second system does (``Hauptstraße`` -> ``Hauptstr.``)."""
    for long, short in STREET_ABBREVIATIONS:
        street = street.str.replace_all(long, short, literal=True)
    return street


def _reformat_tax_ids(tax_id: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Retype VAT numbers the way another clerk would: spaced, lower-case or without prefix."""
    style = pl.Series(rng.integers(0, 3, tax_id.len()))
    frame = pl.DataFrame({"tax_id": tax_id, "style": style})
    t = pl.col("tax_id")
    return frame.select(
        pl.when(pl.col("style") == 0)
        .then(t.str.replace(r"^([A-Z]+)(\d{3})(\d{3})", "$1 $2 $3 "))
        .when(pl.col("style") == 1)
        .then(t.str.to_lowercase())
        .otherwise(t.str.replace(r"^[A-Z]+", ""))
        .alias("tax_id")
    ).to_series()


def vary_tax_ids(
    tax_id: pl.Series, same: float, missing: float, rng: np.random.Generator
) -> pl.Series:
    """Keep a share of VAT numbers as they are, blank some and reformat the rest.

    Parameters
    ----------
    tax_id
        Canonical VAT numbers.
    same
        Share kept unchanged.
    missing
        Share left empty.
    rng
        Stream of the system that records the numbers.
    """
    u = rng.random(tax_id.len())
    reformatted = _reformat_tax_ids(tax_id, rng)
    frame = pl.DataFrame({"tax_id": tax_id, "reformatted": reformatted, "u": u})
    return frame.select(
        pl.when(pl.col("u") < same)
        .then(pl.col("tax_id"))
        .when(pl.col("u") < same + missing)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("reformatted"))
        .alias("tax_id")
    ).to_series()
