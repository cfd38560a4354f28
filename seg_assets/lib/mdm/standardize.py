"""Standardizers: clean names, addresses, tax IDs and ID references before they are compared."""

import re
from collections.abc import Callable

import polars as pl

from seg_assets.lib.mdm.settings import Field, Standardization

Standardizer = Callable[[pl.Expr, Standardization], pl.Expr]


def _ascii_upper(text: pl.Expr, words: Standardization) -> pl.Expr:
    """Upper-case ASCII: listed transliterations first (``ü`` -> ``ue``), then accents dropped."""
    for source, target in words.transliterations:
        text = text.str.replace_all(source, target, literal=True)
    return text.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_uppercase()


def _words_only(text: pl.Expr) -> pl.Expr:
    """Punctuation to spaces, single spaces, empty as null."""
    cleaned = text.str.replace_all(r"[^A-Z0-9 ]", " ").str.replace_all(r"\s+", " ")
    cleaned = cleaned.str.strip_chars()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def _drop_words(text: pl.Expr, phrases: tuple[str, ...]) -> pl.Expr:
    """Remove whole-word ``phrases``, longest first so 'GMBH AND CO KG' goes before 'GMBH'."""
    if not phrases:
        return text
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = r"\b(" + "|".join(re.escape(phrase) for phrase in ordered) + r")\b"
    return text.str.replace_all(pattern, " ")


def company_name(value: pl.Expr, words: Standardization) -> pl.Expr:
    """``Müller & Söhne G.m.b.H.`` -> ``MUELLER SOEHNE`` (legal forms and 'AND' dropped)."""
    text = _ascii_upper(value, words).str.replace_all("&", " AND ", literal=True)
    text = text.str.replace_all(r"[^A-Z0-9 ]", " ").str.replace_all(r"\s+", " ")
    return _words_only(_drop_words(_drop_words(text, words.legal_forms), words.connector_words))


def street(value: pl.Expr, words: Standardization) -> pl.Expr:
    """``Hauptstraße 12`` and ``Hauptstr. 12`` -> ``HAUPTSTR 12``."""
    text = _words_only(_ascii_upper(value, words))
    for long, short in words.street_abbreviations:
        # Compound words too: 'HAUPTSTRASSE' ends in the abbreviated word.
        text = text.str.replace_all(rf"{re.escape(long)}\b", short)
    return text


def text(value: pl.Expr, words: Standardization) -> pl.Expr:
    """Upper-case ASCII words (city names)."""
    return _words_only(_ascii_upper(value, words))


def code(value: pl.Expr, words: Standardization) -> pl.Expr:
    """Letters and digits only (postcodes, country codes): ``1038 cp`` -> ``1038CP``."""
    cleaned = _ascii_upper(value, words).str.replace_all(r"[^A-Z0-9]", "")
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def tax_id(value: pl.Expr, words: Standardization) -> pl.Expr:
    """VAT number without spaces and country prefix: ``de 472 220 971`` -> ``472220971``."""
    return code(value, words).str.replace(r"^[A-Z]+", "").replace("", None)


def digits(value: pl.Expr, words: Standardization) -> pl.Expr:
    """Digits only, at least six of them (phone numbers)."""
    cleaned = value.str.replace_all(r"[^0-9]", "")
    return pl.when(cleaned.str.len_chars() >= 6).then(cleaned).otherwise(None)


def lower(value: pl.Expr, words: Standardization) -> pl.Expr:
    """Trimmed lower case (e-mail domains)."""
    cleaned = value.str.strip_chars().str.to_lowercase()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def id_number(value: pl.Expr, words: Standardization) -> pl.Expr:
    """The number at the end of an ID without leading zeros: ``ERP-C000123 `` -> ``123``."""
    number = value.str.strip_chars().str.extract(r"([0-9]+)$", 1).str.strip_chars_start("0")
    return pl.when(number == "").then(None).otherwise(number)


STANDARDIZERS: dict[str, Standardizer] = {
    "company_name": company_name,
    "street": street,
    "text": text,
    "code": code,
    "tax_id": tax_id,
    "digits": digits,
    "lower": lower,
    "id_number": id_number,
}


def standardize_records(
    records: pl.DataFrame, fields: tuple[Field, ...], words: Standardization
) -> pl.DataFrame:
    """The match input: ``record_id`` and one standardized column per configured field.

    Parameters
    ----------
    records
        Source records with ``record_id`` and every column the fields name.
    fields
        The compared fields and their standardizers.
    words
        Word lists the standardizers use.
    """
    return records.select(
        "record_id",
        *(
            STANDARDIZERS[field.standardizer](pl.col(field.column).cast(pl.String), words).alias(
                field.name
            )
            for field in fields
        ),
    )
