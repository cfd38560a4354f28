"""Great Expectations validation of warehouse tables: whole or in hash chunks, same verdicts."""

import duckdb
import pytest

from seg_assets.lib.project import expectations_dir
from seg_assets.lib.quality.expectation_suites import chunk_key, validate_table

SUITE = expectations_dir() / "stg_erp__order_lines.json"


def _expectation(kind: str, **kwargs: object) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"severity": "error"}}


@pytest.mark.parametrize(
    ("expectations", "key"),
    [
        ([_expectation("expect_column_values_to_not_be_null", column="a")], ()),
        (
            [
                _expectation("expect_column_values_to_be_unique", column="a"),
                _expectation("expect_column_values_to_be_between", column="b", min_value=1),
            ],
            ("a",),
        ),
        (
            [_expectation("expect_compound_columns_to_be_unique", column_list=["a", "b"])],
            ("a", "b"),
        ),
        ([_expectation("expect_column_mean_to_be_between", column="b", min_value=1)], None),
        ([_expectation("expect_table_row_count_to_be_between", min_value=1)], None),
        (
            [
                _expectation("expect_column_values_to_be_unique", column="a"),
                _expectation("expect_column_values_to_be_unique", column="b"),
            ],
            None,
        ),
    ],
)
def test_only_row_wise_suites_with_one_uniqueness_key_are_chunked(expectations, key):
    assert chunk_key({"expectations": expectations}) == key


@pytest.fixture
def order_lines(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema staging")
        # 5,000 lines: every 997th repeats an earlier ID, every 501st has quantity 0, every
        # 1,999th has no product; the duplicates sit far apart, in different row ranges.
        con.execute(
            """
            create table staging.stg_erp__order_lines as
            select
                'OL' || case when i % 997 = 0 then i - 900 else i end as order_line_id,
                'SO' || (i // 3) as order_id,
                case when i % 1999 = 0 then null else 'P' || (i % 50) end as product_id,
                case when i % 501 = 0 then 0 else 1 + i % 7 end as quantity_ordered,
                cast(1 + i % 13 as decimal(18, 2)) as unit_price,
                'order_lines.csv' as _source_file,
                i as _source_row,
            from range(1, 5001) as t(i)
            """
        )
        yield con


def _verdicts(outcome):
    return [
        (o.expectation, o.column, o.success, o.unexpected_count, o.element_count)
        for o in outcome.outcomes
    ]


def test_chunked_validation_matches_whole_table_validation(order_lines):
    whole = validate_table(order_lines, "staging.stg_erp__order_lines", SUITE, chunk_rows=10**9)
    chunked = validate_table(order_lines, "staging.stg_erp__order_lines", SUITE, chunk_rows=400)
    assert _verdicts(chunked) == _verdicts(whole)
    counts = {(o.expectation, o.column): o.unexpected_count for o in whole.outcomes}
    assert counts[("expect_column_values_to_be_unique", "order_line_id")] == 2 * 5
    assert counts[("expect_column_values_to_be_between", "quantity_ordered")] == 9
    assert counts[("expect_column_values_to_not_be_null", "product_id")] == 2
    failing = next(o for o in chunked.outcomes if o.column == "quantity_ordered")
    assert {row["_source_row"] for row in failing.failing_rows} <= {501 * k for k in range(1, 10)}
    assert all(row["_source_file"] == "order_lines.csv" for row in failing.failing_rows)
