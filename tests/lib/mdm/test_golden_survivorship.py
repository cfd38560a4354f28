"""Survivorship in sql/mdm/dim_customer_golden.sql, run on a real DuckDB with hand-made inputs."""

from datetime import date

import duckdb
import pytest

from seg_assets.lib.model_runner import run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

SOURCE_RECORD_COLUMNS = """
    record_id varchar, source_system varchar, source_id varchar, name varchar, tax_id varchar,
    street varchar, city varchar, postcode varchar, country varchar, phone varchar,
    email_domain varchar, industry varchar, erp_customer_ref varchar,
    parent_customer_ref varchar, parent_company_name varchar, payment_terms_days integer,
    record_date date, _source_file varchar, _source_row bigint
"""
CROSSWALK_COLUMNS = """
    source_system varchar, source_id varchar, record_id varchar, customer_key varchar,
    match_rule varchar, match_probability double, records_in_customer integer
"""
INSERTED = (
    "customer_key, source_system, source_id, name, tax_id, street, city, postcode, country,"
    " phone, email_domain, industry, payment_terms_days, record_date"
)

# customer, system, ID, name, tax_id, street, city, postcode, country, phone, email,
# industry, payment terms, created
RECORDS = [
    # K1: two ERP records, three CRM accounts, two billing accounts.
    # The oldest ERP record is C000090 (by date, although C000001 has the smaller ID).
    ("K1", "erp", "C000001", "Mueller Soehne GmbH", "DE999999999", "Hauptstr. 56", "Berlin-Mitte", "10117", "DE", None, None, None, 60, date(2021, 3, 1)),  # noqa: E501
    ("K1", "erp", "C000090", "Müller & Söhne GmbH", None, "Hauptstraße 56", "Berlin", "10115", "DE", None, None, None, 30, date(2019, 5, 1)),  # noqa: E501
    # The oldest record of all, but a CRM account: it loses the name to the ERP.
    ("K1", "crm", "ACC-00001", "Mueller & Soehne", "DE888888888", "Hauptstr 56", "Berlin", "10115", "DE", "+49 30 111", "old-mail.de", "Retail", None, date(2018, 1, 1)),  # noqa: E501
    ("K1", "crm", "ACC-00002", "Müller und Söhne", None, None, None, None, None, "+49 30 222", None, "Wholesale", None, date(2023, 6, 1)),  # noqa: E501
    ("K1", "crm", "ACC-00003", "Müller Söhne", None, None, None, None, None, None, "mueller-soehne.de", None, None, date(2024, 1, 1)),  # noqa: E501
    # A billing account whose tax ID is only punctuation counts as having none.
    ("K1", "finance", "F-000000", "Mueller Soehne", " - ", None, "Berlin", "10115", "DE", None, None, None, None, None),  # noqa: E501
    ("K1", "finance", "F-000001", "Mueller Soehne", "de 472 220 971", None, "Berlin", "10115", "DE", None, None, None, None, None),  # noqa: E501
    # K2: no ERP record: the oldest CRM account gives name and address; CRM gives the tax ID.
    ("K2", "crm", "ACC-00010", "Gruber Retail KG", "de 811.234.567", "Leopoldstr. 12", "München", "80802", "DE", None, "gruber.de", None, None, date(2020, 2, 1)),  # noqa: E501
    ("K2", "crm", "ACC-00011", "Gruber Retail", None, "Leopoldstraße 12", "Muenchen", "80802", "DE", "+49 89 555", None, "Retail", None, date(2019, 2, 1)),  # noqa: E501
    ("K2", "finance", "F-000010", "Gruber Retail GmbH & Co KG", None, None, "Munich", "80801", "DE", None, None, None, None, None),  # noqa: E501
    # K3: ERP tax ID beats the CRM's when finance has none.
    ("K3", "erp", "C000300", "Alpen Handel GmbH", "atu 123 456 78", "Mariahilfer Str. 10", "Wien", "1060", "AT", None, None, None, 14, date(2015, 1, 1)),  # noqa: E501
    ("K3", "crm", "ACC-00300", "Alpen Handel", "ATU99999999", None, None, None, None, None, None, None, None, date(2014, 1, 1)),  # noqa: E501
    # K4: a billing account alone.
    ("K4", "finance", "F-000400", "Nordic Freight AB", "SE556677889901", None, "Stockholm", "11134", "SE", None, None, None, None, None),  # noqa: E501
]  # fmt: skip


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> dict[str, dict]:
    database = tmp_path_factory.mktemp("golden") / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema mdm")
        con.execute(f"create table mdm.customer_source_records ({SOURCE_RECORD_COLUMNS})")
        con.execute(f"create table mdm.crosswalk ({CROSSWALK_COLUMNS})")
        con.executemany(
            f"insert into mdm.customer_source_records ({INSERTED.replace('customer_key, ', '')},"
            " record_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[1:], f"{row[1]}:{row[2]}") for row in RECORDS],
        )
        con.executemany(
            "insert into mdm.crosswalk (source_system, source_id, record_id, customer_key)"
            " values (?, ?, ?, ?)",
            [(row[1], row[2], f"{row[1]}:{row[2]}", row[0]) for row in RECORDS],
        )
        model = parse_model(sql_dir() / "mdm" / "dim_customer_golden.sql")
        result = run_model(con, model, "test-run", {})
        assert result.rows_written == 4
        cursor = con.execute("select * from mdm.dim_customer_golden")
        columns = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}


def test_one_row_per_customer_with_the_documented_columns(golden):
    assert set(golden) == {"K1", "K2", "K3", "K4"}
    assert list(golden["K1"]) == [
        "customer_key",
        "customer_name",
        "tax_id",
        "street",
        "city",
        "postcode",
        "country",
        "phone",
        "email_domain",
        "industry",
        "payment_terms_days",
        "customer_since",
        "erp_customer_ids",
        "crm_account_ids",
        "billing_account_ids",
        "source_records",
    ]


def test_the_oldest_erp_record_gives_name_address_and_terms(golden):
    k1 = golden["K1"]
    assert (k1["customer_name"], k1["street"], k1["city"], k1["postcode"], k1["country"]) == (
        "Müller & Söhne GmbH",
        "Hauptstraße 56",
        "Berlin",
        "10115",
        "DE",
    )
    assert k1["payment_terms_days"] == 30


def test_without_erp_the_oldest_crm_account_gives_name_and_address(golden):
    k2 = golden["K2"]
    assert (k2["customer_name"], k2["street"], k2["city"]) == (
        "Gruber Retail",
        "Leopoldstraße 12",
        "Muenchen",
    )
    assert k2["payment_terms_days"] is None


def test_a_billing_account_alone_gives_everything_it_has(golden):
    k4 = golden["K4"]
    assert (k4["customer_name"], k4["city"], k4["tax_id"]) == (
        "Nordic Freight AB",
        "Stockholm",
        "SE556677889901",
    )
    assert (k4["street"], k4["phone"], k4["customer_since"]) == (None, None, None)


def test_tax_id_finance_first_then_erp_then_crm_without_spaces_in_capitals(golden):
    assert golden["K1"]["tax_id"] == "DE472220971"  # F-000001; F-000000 holds only ' - '
    assert golden["K3"]["tax_id"] == "ATU12345678"  # ERP over CRM
    assert golden["K2"]["tax_id"] == "DE811234567"  # CRM when nobody else has one


def test_contact_and_industry_from_the_most_recent_crm_account_that_has_them(golden):
    k1 = golden["K1"]
    # ACC-00003 (2024) has only an e-mail domain, ACC-00002 (2023) phone and industry.
    assert (k1["phone"], k1["email_domain"], k1["industry"]) == (
        "+49 30 222",
        "mueller-soehne.de",
        "Wholesale",
    )
    k2 = golden["K2"]
    assert (k2["phone"], k2["email_domain"], k2["industry"]) == (
        "+49 89 555",
        "gruber.de",
        "Retail",
    )


def test_customer_since_is_the_earliest_creation_date(golden):
    assert golden["K1"]["customer_since"] == date(2018, 1, 1)  # a CRM account predates the ERP
    assert golden["K3"]["customer_since"] == date(2014, 1, 1)


def test_source_id_lists_per_system(golden):
    k1 = golden["K1"]
    assert (k1["erp_customer_ids"], k1["crm_account_ids"], k1["billing_account_ids"]) == (
        "C000001, C000090",
        "ACC-00001, ACC-00002, ACC-00003",
        "F-000000, F-000001",
    )
    assert k1["source_records"] == 7
    assert (golden["K2"]["erp_customer_ids"], golden["K4"]["crm_account_ids"]) == (None, None)
    assert golden["K4"]["source_records"] == 1
