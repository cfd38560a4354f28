"""The whole pipeline on a hand-made landing set whose numbers are computed on paper.

Fixture (tests/fixtures/tiny_landing): products P001 (10.00, cost 6.00, 2 kg) and P002 (5.00,
cost 3.00, 0.5 kg). Shipment SH1 (freight 10.00) carries OL1 10 x P001 = 20 kg and
OL2 4 x P002 = 2 kg: shares 20/22 and 2/22 = 909.09 and 90.91 cents, floors 909 + 90 = 999,
the leftover cent goes to the larger remainder (OL2): 9.09 and 0.91. SH2 has no freight cost
and ships 2 of the 3 units of OL3.
"""

from datetime import date
from decimal import Decimal

from conftest import query


def test_freight_is_allocated_to_lines_by_weight_exact_to_the_cent(tiny_warehouse):
    database, _ = tiny_warehouse
    rows = query(
        database,
        "select shipment_line_id, freight_cost_allocated, is_freight_cost_missing"
        " from intermediate.int_shipment_lines_freight_allocated order by 1",
    )
    assert rows == [
        ("SL1", Decimal("9.09"), False),
        ("SL2", Decimal("0.91"), False),
        ("SL3", None, True),
    ]


def test_order_line_fact_matches_hand_computation(tiny_warehouse):
    database, _ = tiny_warehouse
    rows = query(
        database,
        """
        select order_line_id, customer_id, order_month, quantity_ordered, quantity_shipped,
            ordered_revenue, shipped_revenue, shipped_cost_of_goods, freight_cost,
            is_freight_cost_missing, delivered_date, is_fully_shipped
        from marts.fct_order_lines order by order_line_id
        """,
    )
    # fmt: off
    assert rows == [
        ("OL1", "C000001", date(2024, 11, 1), 10, 10, Decimal("100.00"), Decimal("100.00"),
         Decimal("60.00"), Decimal("9.09"), False, date(2024, 11, 8), True),
        ("OL2", "C000001", date(2024, 11, 1), 4, 4, Decimal("20.00"), Decimal("20.00"),
         Decimal("12.00"), Decimal("0.91"), False, date(2024, 11, 8), True),
        ("OL3", "C000002", date(2024, 12, 1), 3, 2, Decimal("28.50"), Decimal("19.00"),
         Decimal("12.00"), None, True, None, False),
    ]
    # fmt: on


def test_customer_month_mart_matches_hand_computation(tiny_warehouse):
    database, _ = tiny_warehouse
    rows = query(
        database,
        """
        select customer_key, order_month, orders, order_lines, ordered_units, shipped_units,
            ordered_revenue, shipped_revenue, shipped_cost_of_goods, freight_cost,
            lines_missing_freight
        from marts.fct_customer_months order by customer_key
        """,
    )
    # fmt: off
    assert rows == [
        ("erp:C000001", date(2024, 11, 1), 1, 2, 14, 14, Decimal("120.00"),
         Decimal("120.00"), Decimal("72.00"), Decimal("10.00"), 0),
        ("erp:C000002", date(2024, 12, 1), 1, 1, 3, 2, Decimal("28.50"), Decimal("19.00"),
         Decimal("12.00"), Decimal("0.00"), 1),
    ]
    # fmt: on


def test_records_of_each_company_resolve_to_one_golden_customer(tiny_warehouse):
    database, _ = tiny_warehouse
    rows = query(database, "select record_id, customer_key from mdm.crosswalk order by record_id")
    # Alpha Foods: same VAT number in ERP, CRM and finance (CRM also refers to ERP 'C1');
    # Beta Retail: same VAT number in ERP and CRM.
    assert rows == [
        ("crm:ACC-00001", "erp:C000001"),
        ("crm:ACC-00002", "erp:C000002"),
        ("erp:C000001", "erp:C000001"),
        ("erp:C000002", "erp:C000002"),
        ("finance:F-000001", "erp:C000001"),
    ]
    golden = query(
        database,
        "select customer_key, customer_name, tax_id, phone, erp_customer_ids, crm_account_ids,"
        " billing_account_ids from mdm.dim_customer_golden order by customer_key",
    )
    assert golden == [
        ("erp:C000001", "Alpha Foods GmbH", "DE111", "+49 30 1", "C000001", "ACC-00001",
         "F-000001"),
        ("erp:C000002", "Beta Retail BV", "NL222", "+31 20 2", "C000002", "ACC-00002", None),
    ]  # fmt: skip


def test_subsidiary_rolls_up_to_its_parent(tiny_warehouse):
    database, _ = tiny_warehouse
    # The ERP records Beta's parent as C000001; the CRM names 'Alpha Foods' too.
    assert query(
        database,
        "select customer_key, parent_key, parent_evidence, ultimate_parent_key, depth"
        " from mdm.customer_hierarchy order by customer_key",
    ) == [
        ("erp:C000001", None, None, "erp:C000001", 0),
        ("erp:C000002", "erp:C000001", "erp_parent_id", "erp:C000001", 1),
    ]
    # The group row of Alpha sums both companies' months; Beta's own row only Beta's.
    assert query(
        database,
        "select ancestor_key, order_month, customers_with_orders, orders, shipped_revenue"
        " from marts.fct_customer_group_months order by ancestor_key, order_month",
    ) == [
        ("erp:C000001", date(2024, 11, 1), 1, 1, Decimal("120.00")),
        ("erp:C000001", date(2024, 12, 1), 1, 1, Decimal("19.00")),
        ("erp:C000002", date(2024, 12, 1), 1, 1, Decimal("19.00")),
    ]


def test_bad_rows_are_quarantined_with_rule_reason_and_source_row(tiny_warehouse):
    database, _ = tiny_warehouse
    raw = query(
        database,
        "select order_line_id, _source_file, _source_row, quarantine_rule, quarantine_reason"
        " from quarantine.erp__order_lines",
    )
    assert raw == [
        (
            "OL6",
            "erp/order_lines.csv",
            7,
            "invalid_type",
            "promised_date='N/A' is not a valid DATE",
        ),
    ]
    staged = query(
        database,
        "select order_line_id, _source_row, quarantine_rule from quarantine.stg_erp__order_lines"
        " order by _source_row",
    )
    assert staged == [
        ("OL3", 4, "duplicate_key"),
        ("OL4", 5, "nonpositive_quantity"),
        ("OL5", 6, "unknown_order"),
    ]
    orders = query(
        database,
        "select order_id, quarantine_rule from quarantine.stg_erp__orders order by order_id",
    )
    assert orders == [("SO3", "unknown_customer"), ("SO4", "missing_order_date")]
    reasons = query(
        database, "select count(*) from quarantine.stg_erp__orders where quarantine_reason is null"
    )
    assert reasons == [(0,)]


def test_customer_ids_in_other_spellings_resolve_and_suspect_dates_are_flagged(tiny_warehouse):
    database, _ = tiny_warehouse
    rows = query(
        database,
        "select order_id, customer_id, source_customer_id, is_requested_before_order"
        " from staging.stg_erp__orders order by order_id",
    )
    assert rows == [("SO1", "C000001", "C000001", False), ("SO2", "C000002", " c2 ", True)]


def test_every_row_in_is_kept_or_quarantined(tiny_warehouse):
    database, _ = tiny_warehouse
    # 7 data rows in the file: 1 rejected at raw (type), 3 quarantined in staging, 3 kept.
    counts = query(
        database,
        """
        select
            (select count(*) from raw.erp__order_lines),
            (select count(*) from quarantine.erp__order_lines),
            (select count(*) from staging.stg_erp__order_lines),
            (select count(*) from quarantine.stg_erp__order_lines)
        """,
    )
    assert counts == [(6, 1, 3, 3)]
