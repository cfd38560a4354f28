"""Staging rules on single hand-made rows: an event dated after the day of the run is
quarantined as future_date, one dated today is kept."""

from datetime import datetime, time, timedelta

import duckdb
import pytest

from seg_assets.lib.model_runner import run_model
from seg_assets.lib.pipeline_settings import load_quarantine_rules
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.source_contracts import load_source_contracts
from seg_assets.lib.sql_models import parse_model

CONTRACTS = load_source_contracts(config_dir() / "sources.yaml")
# Upstream staging tables of a model, reduced to the columns it reads.
UPSTREAM = {
    "stg_erp__orders": (
        "stg_erp__customers",
        "select 'C000001' as customer_id, 'C1' as customer_match_key",
    ),
    "stg_erp__returns": ("stg_erp__order_lines", "select 'OL1' as order_line_id"),
}
# Per model: the dated column and values every other rule accepts.
EVENTS = {
    "stg_erp__orders": ("order_date", {"customer_id": "C000001"}),
    "stg_erp__returns": ("return_date", {"order_line_id": "OL1", "quantity_returned": 1}),
    "stg_tms__shipments": ("ship_date", {}),
    "stg_finance__invoices": ("invoice_date", {"amount": 1}),
    "stg_wms__activity": ("activity_ts", {"activity_type": "pick"}),
}


def _raw_table(con: duckdb.DuckDBPyConnection, source: str, rows: list[dict]) -> None:
    contract = CONTRACTS[source]
    columns = [*contract.columns, ("_source_file", "VARCHAR"), ("_source_row", "BIGINT")]
    con.execute(
        f"create table raw.{source} ({', '.join(f'{name} {kind}' for name, kind in columns)})"
    )
    names = [name for name, _ in columns]
    con.executemany(
        f"insert into raw.{source} values ({', '.join('?' for _ in names)})",
        [[row.get(name) for name in names] for row in rows],
    )


@pytest.mark.parametrize("model_name", sorted(EVENTS))
def test_events_dated_after_today_are_quarantined_as_future_date(tmp_path, model_name):
    model = parse_model(sql_dir() / "staging" / f"{model_name}.sql")
    source = model_name.removeprefix("stg_")
    dated, valid = EVENTS[model_name]
    key = CONTRACTS[source].key
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        # The database's own date, so the test cannot straddle midnight against Python's.
        [(today,)] = con.execute("select current_date").fetchall()
        last_minute_today = datetime.combine(today, time(23, 59))
        tomorrow = datetime.combine(today + timedelta(days=1), time())
        con.execute("create schema raw")
        con.execute("create schema staging")
        if model_name in UPSTREAM:
            table, select = UPSTREAM[model_name]
            con.execute(f"create table staging.{table} as {select}")
        _raw_table(
            con,
            source,
            [
                {**valid, key: "TODAY", dated: last_minute_today, "_source_row": 1},
                {**valid, key: "LATER", dated: tomorrow, "_source_row": 2},
            ],
        )
        run_model(con, model, "run-1", load_quarantine_rules())
        kept = con.execute(f"select {key} from staging.{model_name}").fetchall()
        quarantined = con.execute(
            f"select {key}, quarantine_rule from quarantine.{model_name}"
        ).fetchall()
    assert kept == [("TODAY",)]
    assert quarantined == [("LATER", "future_date")]
