"""Standardizers of seg_assets.lib.mdm.standardize on hand examples, with the shipped word lists."""

import polars as pl
import pytest

from seg_assets.lib.mdm import standardize
from seg_assets.lib.mdm.settings import Field, Standardization, load_mdm_settings

WORDS = load_mdm_settings().standardization


def cleaned(standardizer: str, *values: str | None, words: Standardization = WORDS) -> list:
    """``values`` run through one standardizer, as the matcher runs it (a polars expression)."""
    frame = pl.DataFrame({"value": list(values)}, schema={"value": pl.String})
    expression = standardize.STANDARDIZERS[standardizer](pl.col("value"), words)
    return frame.select(expression).to_series().to_list()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller & Söhne G.m.b.H.", "MUELLER SOEHNE"),
        # 'GMBH AND CO KG' goes as one form; were 'GMBH' taken first, 'AND CO KG' would remain.
        ("Gruber Retail GmbH & Co. KG", "GRUBER RETAIL"),
        ("Gruber Retail GmbH u. Co. KG", "GRUBER RETAIL"),
        ("Nova Verpackung Gesellschaft mbH", "NOVA VERPACKUNG"),
        ("Société Lyonnaise S.A.S.", "SOCIETE LYONNAISE"),
        ("Van Dijk Logistiek B.V.", "VAN DIJK LOGISTIEK"),
        ("Kowalski Sp. z o.o.", "KOWALSKI"),
        ("  rossi   alimentari s.p.a. ", "ROSSI ALIMENTARI"),
        # Legal forms go only as whole words: 'AG' inside 'AGRAR' stays.
        ("Agrar Handel AG", "AGRAR HANDEL"),
        ("GmbH", None),
        ("", None),
        (None, None),
    ],
)
def test_company_name(raw, expected):
    assert cleaned("company_name", raw) == [expected]


def test_company_names_written_with_different_legal_forms_agree():
    assert (
        cleaned(
            "company_name",
            "Nova Verpackung Gesellschaft mbH",
            "NOVA VERPACKUNG GmbH",
            "Nova Verpackung",
        )
        == ["NOVA VERPACKUNG"] * 3
    )


def test_legal_forms_are_removed_longest_first_whatever_order_the_config_lists_them():
    # Taken in the listed order, 'GMBH' would go first and leave 'GRUBER CO'.
    words = Standardization(
        transliterations=(),
        connector_words=("AND",),
        legal_forms=("KG", "GMBH", "GMBH AND CO KG"),
        street_abbreviations=(),
    )
    assert cleaned("company_name", "Gruber GmbH & Co KG", "Gruber GmbH", words=words) == [
        "GRUBER",
        "GRUBER",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hauptstraße 56", "HAUPTSTR 56"),
        ("Hauptstr. 56", "HAUPTSTR 56"),
        ("HAUPTSTRASSE 56", "HAUPTSTR 56"),
        ("Kerkstraat 5", "KERKSTR 5"),
        ("12 rue de la République", "12 R DE LA REPUBLIQUE"),
        ("12 r. de la Republique", "12 R DE LA REPUBLIQUE"),
        ("Avenida de la Constitución 3", "AV DE LA CONSTITUCION 3"),
        ("Avda. de la Constitucion 3", "AV DE LA CONSTITUCION 3"),
        ("Calle Mayor 3", "C MAYOR 3"),
        ("C/ Mayor 3", "C MAYOR 3"),
        ("4 Station Road", "4 STATION RD"),
        # Whole words at the end only: 'RUE' inside 'RUELLE' stays.
        ("Ruelle 5", "RUELLE 5"),
        ("", None),
        (None, None),
    ],
)
def test_street(raw, expected):
    assert cleaned("street", raw) == [expected]


def test_street_written_in_full_and_abbreviated_agree():
    full, short = cleaned("street", "Hauptstraße 56", "Hauptstr. 56")
    assert full == short


def test_letters_without_a_decomposition_are_transliterated_not_turned_into_spaces():
    assert cleaned("text", "Wrocław", "Łódź", "København") == ["WROCLAW", "LODZ", "KOBENHAVN"]
    assert cleaned("street", "ul. Przemysłowa 5") == ["UL PRZEMYSLOWA 5"]
    assert cleaned("company_name", "Kowalski Spółka z o.o.", "Nowak Spółka Akcyjna") == [
        "KOWALSKI",
        "NOWAK",
    ]


def test_italian_viale_abbreviation_agrees_with_the_full_word():
    full, short = cleaned("street", "Viale Europa 3", "V.le Europa 3")
    assert full == short == "V LE EUROPA 3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("München", "MUENCHEN"), (" köln ", "KOELN"), ("Saint-Étienne", "SAINT ETIENNE"), ("", None)],
)
def test_text(raw, expected):
    assert cleaned("text", raw) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1038 cp", "1038CP"), ("00-514", "00514"), ("de", "DE"), (" - ", None), ("", None)],
)
def test_code(raw, expected):
    assert cleaned("code", raw) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DE 472 220 971", "472220971"),
        ("de472220971", "472220971"),
        ("472220971", "472220971"),
        ("NL430224293B01", "430224293B01"),  # only the leading country letters go
        ("nl 430224293 b01", "430224293B01"),
        ("ATU12345678", "12345678"),
        ("DE", None),
        ("", None),
        (None, None),
    ],
)
def test_tax_id(raw, expected):
    assert cleaned("tax_id", raw) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+49 (30) 123-4567", "49301234567"),
        ("123456", "123456"),
        ("12345", None),  # fewer than six digits say nothing about identity
        ("n/a", None),
        ("", None),
    ],
)
def test_digits(raw, expected):
    assert cleaned("digits", raw) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"), [(" Example.COM ", "example.com"), ("   ", None), ("", None)]
)
def test_lower(raw, expected):
    assert cleaned("lower", raw) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ERP-C000123 ", "123"),
        ("c000123", "123"),
        ("123", "123"),
        ("C000000", None),  # all zeros: no number
        ("C0001 x", None),  # the number must end the reference
        ("", None),
        (None, None),
    ],
)
def test_id_number(raw, expected):
    assert cleaned("id_number", raw) == [expected]


def test_id_number_variants_agree():
    assert set(cleaned("id_number", "ERP-C000123 ", "c000123", "123")) == {"123"}


def test_standardize_records_keeps_record_id_and_one_column_per_field_in_order():
    records = pl.DataFrame(
        {
            "record_id": ["erp:C000001", "crm:ACC-1"],
            "name": ["Müller & Söhne G.m.b.H.", None],
            "tax_id": ["DE 472 220 971", "de472220971"],
            "erp_customer_ref": ["C000001", "ERP-C000001 "],
            "postcode": [10115, None],  # a number column is cast to text first
            "street": ["Hauptstraße 56", "x"],  # not a field: dropped
        }
    )
    fields = (
        Field(name="company", column="name", standardizer="company_name"),
        Field(name="vat", column="tax_id", standardizer="tax_id"),
        Field(name="erp_number", column="erp_customer_ref", standardizer="id_number"),
        Field(name="postcode", column="postcode", standardizer="code"),
    )
    result = standardize.standardize_records(records, fields, WORDS)
    assert result.columns == ["record_id", "company", "vat", "erp_number", "postcode"]
    assert result.rows() == [
        ("erp:C000001", "MUELLER SOEHNE", "472220971", "1", "10115"),
        ("crm:ACC-1", None, "472220971", "1", None),
    ]


def test_standardize_records_with_the_shipped_fields():
    settings = load_mdm_settings()
    columns = {field.column for field in settings.fields}
    records = pl.DataFrame(
        {"record_id": ["erp:C1"], **{column: [None] for column in columns}},
        schema={"record_id": pl.String, **dict.fromkeys(columns, pl.String)},
    )
    result = standardize.standardize_records(records, settings.fields, settings.standardization)
    assert result.columns == ["record_id", *settings.field_names]
    assert result.row(0) == ("erp:C1", *([None] * len(settings.fields)))


def test_connector_words_are_dropped_in_any_language():
    assert cleaned(
        "company_name", "Müller & Söhne GmbH", "Müller und Söhne", "Muller and Sohne"
    ) == [
        "MUELLER SOEHNE",
        "MUELLER SOEHNE",
        "MULLER SOHNE",
    ]
