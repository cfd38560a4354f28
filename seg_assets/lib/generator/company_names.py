"""Company names built from parts, and the spelling variants other systems and clerks produce."""

from enum import IntEnum

import numpy as np
import polars as pl

from seg_assets.lib.generator.geography import CITIES, COUNTRY_CODES
from seg_assets.lib.generator.hierarchy import Hierarchy
from seg_assets.lib.generator.vocabulary import (
    BRAND_STEMS,
    BUSINESS_WORDS,
    COUNTRY_NAME_IN_COMPANY,
    LEGAL_FORMS,
    TRANSLITERATIONS,
)


class Spelling(IntEnum):
    """How a system spells a company name it shares with the ERP."""

    EXACT = 0
    UPPER_ASCII = 1  # 'Müller GmbH' -> 'MUELLER GMBH'
    LEGAL_FORM = 2  # 'GmbH' -> 'Gesellschaft mbH', 'Ltd' -> 'Limited'
    ABBREVIATED = 3  # 'Logistik' -> 'Log.'
    NO_PUNCTUATION = 4  # 'S.p.A.' -> 'SpA', '&' -> 'and'
    TYPO = 5  # swapped, dropped or doubled letter in the brand
    NO_LEGAL_FORM = 6
    LOWER = 7
    ASCII = 8  # 'Müller' -> 'Mueller'


NAME_PART_COLUMNS = ("brand", "word", "abbreviation", "qualifier", "legal", "legal_alt", "site")
_LEGAL = [(code, form, alts) for code in COUNTRY_CODES for form, alts in LEGAL_FORMS[code]]


def transliterate(text: pl.Expr) -> pl.Expr:
    """Spell out diacritics the way ASCII-only systems do (``ü`` -> ``ue``)."""
    for source, target in TRANSLITERATIONS:
        text = text.str.replace_all(source, target, literal=True)
    return text


def _with_separator(part: pl.Expr, separator: str) -> pl.Expr:
    return pl.when(part == "").then(pl.lit("")).otherwise(separator + part)


def _typo(brand: pl.Expr, position: pl.Expr, operation: pl.Expr) -> pl.Expr:
    swap = (
        brand.str.slice(0, position)
        + brand.str.slice(position + 1, 1)
        + brand.str.slice(position, 1)
        + brand.str.slice(position + 2)
    )
    drop = brand.str.slice(0, position + 1) + brand.str.slice(position + 2)
    double = (
        brand.str.slice(0, position + 1)
        + brand.str.slice(position, 1)
        + brand.str.slice(position + 1)
    )
    return pl.when(operation == 0).then(swap).when(operation == 1).then(drop).otherwise(double)


def compose_names(parts: pl.DataFrame, spelling: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Write each row's company name in the requested spelling.

    Parameters
    ----------
    parts
        One row per name with the columns of ``NAME_PART_COLUMNS`` (empty strings where a part
        is absent): ``brand word qualifier legal site`` makes the canonical name.
    spelling
        One ``Spelling`` value per row.
    rng
        Source of typo positions and of the abbreviate-also-the-legal-form choice.
    """
    n = parts.height
    frame = parts.with_columns(
        pl.Series("spelling", np.asarray(spelling, dtype=np.int8)),
        pl.Series("typo_at", rng.random(n)),
        pl.Series("typo_op", rng.integers(0, 3, n)),
        pl.Series("both", rng.random(n) < 0.5),
    )
    spelling_is = pl.col("spelling").__eq__
    brand_length = pl.col("brand").str.len_chars()
    typo_position = (pl.col("typo_at") * (brand_length - 1).clip(lower_bound=1)).cast(pl.Int64)
    brand = (
        pl.when(spelling_is(Spelling.TYPO) & (brand_length >= 4))
        .then(_typo(pl.col("brand"), typo_position, pl.col("typo_op")))
        .otherwise(pl.col("brand"))
    )
    word = (
        pl.when(spelling_is(Spelling.ABBREVIATED))
        .then(pl.col("abbreviation"))
        .otherwise(pl.col("word"))
    )
    legal = (
        pl.when(
            spelling_is(Spelling.LEGAL_FORM) | (spelling_is(Spelling.ABBREVIATED) & pl.col("both"))
        )
        .then(pl.col("legal_alt"))
        .when(spelling_is(Spelling.NO_LEGAL_FORM))
        .then(pl.lit(""))
        .otherwise(pl.col("legal"))
    )
    name = pl.concat_str(
        brand,
        pl.lit(" "),
        word,
        _with_separator(pl.col("qualifier"), " "),
        _with_separator(legal, " "),
        _with_separator(pl.col("site"), " - "),
    )
    no_punctuation = (
        name.str.replace_all(".", "", literal=True)
        .str.replace_all(",", "", literal=True)
        .str.replace_all(" & ", " and ", literal=True)
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(" - ", " ", literal=True)
        .str.replace_all(r"\s+", " ")
    )
    spelled = (
        pl.when(spelling_is(Spelling.UPPER_ASCII))
        .then(transliterate(name.str.to_uppercase()))
        .when(spelling_is(Spelling.NO_PUNCTUATION))
        .then(no_punctuation)
        .when(spelling_is(Spelling.LOWER))
        .then(name.str.to_lowercase())
        .when(spelling_is(Spelling.ASCII))
        .then(transliterate(name))
        .otherwise(name)
    )
    return frame.select(spelled.str.strip_chars().alias("name")).to_series()


def draw_spellings(
    rng: np.random.Generator, n: int, exact_share: float, weights: dict[Spelling, float]
) -> np.ndarray:
    """Draw a spelling per row: ``EXACT`` with ``exact_share``, else one of ``weights``."""
    kinds = np.array([int(kind) for kind in weights], dtype=np.int8)
    p = np.array(list(weights.values()), dtype=float)
    varied = rng.choice(kinds, size=n, p=p / p.sum())
    return np.where(rng.random(n) < exact_share, np.int8(Spelling.EXACT), varied)


def email_domains(parts: pl.DataFrame, top_level: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Web domain of each company, e.g. ``mueller-logistik.de`` (subsidiaries share the brand's)."""
    with_word = pl.Series(rng.random(parts.height) < 0.5)
    frame = parts.select("brand", "word").with_columns(
        top_level.alias("tld"), with_word.alias("with_word")
    )
    slug_brand = transliterate(pl.col("brand").str.to_lowercase()).str.replace_all(r"[^a-z0-9]", "")
    slug_word = transliterate(pl.col("word").str.to_lowercase()).str.replace_all(r"[^a-z0-9]", "")
    return frame.select(
        pl.when(pl.col("with_word"))
        .then(pl.concat_str(slug_brand, pl.lit("-"), slug_word, pl.lit("."), pl.col("tld")))
        .otherwise(pl.concat_str(slug_brand, pl.lit("."), pl.col("tld")))
        .alias("email_domain")
    ).to_series()


def _choose_legal_forms(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into ``_LEGAL`` per customer; the first form of a country is the most common."""
    legal = np.zeros(country.size, dtype=np.int64)
    for index, code in enumerate(COUNTRY_CODES):
        members = np.flatnonzero(country == index)
        options = np.array([i for i, (c, _, _) in enumerate(_LEGAL) if c == code])
        weights = 1.0 / np.arange(1, options.size + 1) ** 1.5
        legal[members] = rng.choice(options, members.size, p=weights / weights.sum())
    return legal


def _legal_alternatives(legal: np.ndarray, rng: np.random.Generator) -> pl.Series:
    widest = max(len(alts) for _, _, alts in _LEGAL)
    table = np.array([list(alts) + [alts[0]] * (widest - len(alts)) for _, _, alts in _LEGAL])
    counts = np.array([len(alts) for _, _, alts in _LEGAL])
    choice = (rng.random(legal.size) * counts[legal]).astype(np.int64)
    return pl.Series(table[legal, choice])


def name_parts(
    hierarchy: Hierarchy, country: np.ndarray, city: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """Draw the parts of each customer's name; subsidiaries and sites carry their parent's brand.

    Parameters
    ----------
    hierarchy
        True parents and depths (level 1 names take the group's brand and word and add their
        country or city; level 2 sites add their city to the subsidiary's name).
    country
        Country index per customer.
    city
        City index per customer (into ``geography.CITIES``).
    rng
        The customers' stream.

    Returns
    -------
    polars.DataFrame
        One row per customer with brand, word, abbreviation, industry, qualifier, legal form,
        its index and site.
    """
    n = country.size
    stems = np.array(BRAND_STEMS)
    first = stems[rng.integers(0, stems.size, n)]
    second = stems[rng.integers(0, stems.size, n)]
    style = rng.random(n)
    brand = np.where(
        style < 0.10,
        np.char.add(np.char.add(first, " & "), second),
        np.where(style < 0.15, np.char.add(np.char.add(first, "-"), second), first),
    )
    brand = np.where((style < 0.15) & (first == second), first, brand)
    word = rng.integers(0, len(BUSINESS_WORDS), n)
    legal = _choose_legal_forms(country, rng)
    qualifier = np.full(n, "", dtype=object)
    site = np.full(n, "", dtype=object)
    brand = brand.astype(object)
    city_names = np.array([c[1] for c in CITIES], dtype=object)
    country_label = np.array([COUNTRY_NAME_IN_COMPANY[c] for c in COUNTRY_CODES], dtype=object)
    # Parents are named before children: level 1 inherits from level 0, level 2 from level 1.
    for depth in (1, 2):
        members = np.flatnonzero(hierarchy.level == depth)
        parents = hierarchy.parent[members]
        brand[members] = brand[parents]
        word[members] = word[parents]
        if depth == 1:
            same_country = country[members] == country[parents]
            qualifier[members] = np.where(
                same_country, city_names[city[members]], country_label[country[members]]
            )
        else:
            qualifier[members] = qualifier[parents]
            legal[members] = legal[parents]
            site[members] = city_names[city[members]]
    return pl.DataFrame(
        {
            "brand": pl.Series(brand.tolist(), dtype=pl.String),
            "word": pl.Series([BUSINESS_WORDS[i][0] for i in range(len(BUSINESS_WORDS))]).gather(
                word
            ),
            "abbreviation": pl.Series([w[1] for w in BUSINESS_WORDS]).gather(word),
            "industry": pl.Series([w[2] for w in BUSINESS_WORDS]).gather(word),
            "qualifier": pl.Series(qualifier.tolist(), dtype=pl.String),
            "legal": pl.Series([form for _, form, _ in _LEGAL]).gather(legal),
            "legal_index": legal,
            "site": pl.Series(site.tolist(), dtype=pl.String),
        }
    )


def spell(
    parts: pl.DataFrame, rows: np.ndarray, spelling: np.ndarray, rng: np.random.Generator
) -> pl.Series:
    """Write the names of customers ``rows`` in the given spellings.

    Parameters
    ----------
    parts
        Name parts from ``name_parts``.
    rows
        Customer index per name to write (repeats allowed).
    spelling
        One ``Spelling`` per row.
    rng
        Stream of the system writing the names (legal-form variants, typos).
    """
    chosen = parts[rows]
    with_alt = chosen.with_columns(
        _legal_alternatives(chosen["legal_index"].to_numpy(), rng).alias("legal_alt")
    )
    return compose_names(with_alt.select(NAME_PART_COLUMNS), spelling, rng)


def spell_differently(
    parts: pl.DataFrame,
    rows: np.ndarray,
    spelling: np.ndarray,
    canonical: pl.Series,
    rng: np.random.Generator,
) -> pl.Series:
    """Like ``spell``, but a variant that happens to equal the canonical name is upper-cased.

    Parameters
    ----------
    parts, rows, spelling, rng
        As for ``spell``.
    canonical
        Canonical name per customer.
    """
    spelled = spell(parts, rows, spelling, rng)
    shouting = spell(parts, rows, np.full(rows.size, Spelling.UPPER_ASCII, np.int8), rng)
    same = spelled == canonical.gather(rows)
    return pl.select(pl.when(same).then(shouting).otherwise(spelled)).to_series()
