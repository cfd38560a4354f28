"""Schedule and sensors evaluated against a real Dagster instance, real landing files and real
DuckDB snapshots; the drift history built by a real run."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from conftest import (
    evaluate_sensor,
    landing_sensor,
    query,
    requested_months,
    write_tiny_landing,
)

from seg_assets.definitions import defs
from seg_assets.defs.automation.drift import build_drift_sensor
from seg_assets.defs.automation.landing import REASON_TAG, TRIGGER_TAG
from seg_assets.defs.partitions import monthly_partitions
from seg_assets.defs.resources import LandingFiles, ServingFile, warehouse_resource
from seg_assets.defs.sources import assets as sources
from seg_assets.defs.sources.assets import raw_asset_key
from seg_assets.lib.automation.settings import load_automation_settings
from seg_assets.lib.drift.history import HISTORY_COLUMNS
from seg_assets.lib.drift.store import ensure_drift_history, replace_month

KEYS = monthly_partitions.get_partition_keys()
SENSORS = {"landing_files_sensor", "drift_retrain_sensor", "stale_customer_keys_sensor"}


def _sensor(name: str) -> dg.SensorDefinition:
    return next(sensor for sensor in defs.sensors if sensor.name == name)


def test_the_schedule_and_sensors_are_defined_running_with_descriptions():
    assert {sensor.name for sensor in defs.sensors} == SENSORS
    [schedule] = defs.schedules
    assert schedule.name == "monthly_refresh_schedule"
    for target in [*defs.sensors, schedule]:
        assert len(target.description or "") > 80
        assert target.default_status.value == "RUNNING"
    job = defs.resolve_job_def("full_refresh")
    assert job.tags["seg_assets/warehouse"] == "write"


def test_the_marts_bi_reads_carry_a_freshness_policy():
    graph = defs.resolve_asset_graph()
    for key in (["marts", "fct_customer_features"], ["kpi", "fct_segment_kpi_months"]):
        policy = graph.get(dg.AssetKey(key)).freshness_policy
        assert policy is not None
        assert policy.fail_window.to_timedelta().days == 40
    assert graph.get(dg.AssetKey(["raw", "erp__orders"])).freshness_policy is None


def test_the_schedule_refreshes_the_month_that_closed_before_its_tick():
    [schedule] = defs.schedules
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 2, 6, tzinfo=UTC)
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert requested_months(request) == ("2026-11-01", "2026-11-01")
    assert request.tags[TRIGGER_TAG] == "schedule"


def test_the_landing_sensor_refreshes_only_the_months_a_corrected_extract_touches(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    sensor = landing_sensor()
    with dg.instance_for_test() as instance:
        first = evaluate_sensor(sensor, instance, landing=LandingFiles(path=str(landing)))
        # Nothing was ever loaded: every file is new, the products file reaches every month.
        [everything] = first.run_requests
        assert requested_months(everything) == (KEYS[0], KEYS[-1])
        quiet = evaluate_sensor(
            sensor, instance, first.cursor, landing=LandingFiles(path=str(landing))
        )
        assert not quiet.run_requests
        orders = landing / "erp" / "orders.csv"
        orders.write_text(
            orders.read_text().replace("2024-12-03,2024-12-01", "2024-12-03,2024-12-02")
        )
        late = evaluate_sensor(
            sensor, instance, quiet.cursor, landing=LandingFiles(path=str(landing))
        )
    [request] = late.run_requests
    assert requested_months(request) == ("2024-12-01", "2024-12-01")
    assert "erp/orders.csv changed in 2024-12-01" in request.tags[REASON_TAG]
    assert request.tags[TRIGGER_TAG] == "landing"


def test_a_correction_withdrawn_and_sent_again_gets_a_run_key_of_its_own(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    orders = landing / "erp" / "orders.csv"
    original = orders.read_text()
    corrected = original.replace("2024-12-03,2024-12-01", "2024-12-03,2024-12-02")
    sensor, resources = landing_sensor(), {"landing": LandingFiles(path=str(landing))}
    keys = []
    with dg.instance_for_test() as instance:
        cursor = evaluate_sensor(sensor, instance, **resources).cursor
        for content in (corrected, original, corrected):
            orders.write_text(content)
            tick = evaluate_sensor(sensor, instance, cursor, **resources)
            cursor = tick.cursor
            [request] = tick.run_requests
            keys.append(request.run_key)
        # The daemon launches a run key once: the correction sent again must not reuse its key.
        assert len(set(keys)) == 3
        assert not evaluate_sensor(sensor, instance, cursor, **resources).run_requests


def test_turned_on_over_a_loaded_warehouse_the_landing_sensor_launches_nothing(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    raw = list(sources.defs.assets)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            raw,
            instance=instance,
            resources={
                "duckdb": warehouse_resource(str(tmp_path / "warehouse.duckdb")),
                "landing": LandingFiles(path=str(landing)),
            },
        )
        assert result.success
        event = instance.get_latest_materialization_event(raw_asset_key("erp__orders"))
        assert len(event.asset_materialization.metadata["content_sha256"].value) == 64
        tick = evaluate_sensor(landing_sensor(), instance, landing=LandingFiles(path=str(landing)))
    assert not tick.run_requests
    assert set(json.loads(tick.cursor)) >= {"erp__orders", "tms__shipments"}


def test_a_file_still_being_written_is_left_for_a_later_evaluation(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    for extract in landing.rglob("*.*"):
        extract.touch()  # delivered just now
    with dg.instance_for_test() as instance:
        fresh = evaluate_sensor(
            landing_sensor(3600), instance, landing=LandingFiles(path=str(landing))
        )
        settled = evaluate_sensor(
            landing_sensor(0), instance, landing=LandingFiles(path=str(landing))
        )
    assert not fresh.run_requests
    assert json.loads(fresh.cursor) == {}
    assert settled.run_requests


def _drift_snapshot(path: Path, state: str, version: str = "2026-07-aaa") -> Path:
    overall = {
        "as_of_month": date(2026, 8, 1),
        "model_version": version,
        "reference_month": date(2026, 7, 1),
        "subject_kind": "month",
        "subject": "overall",
        "metric": "state",
        "value": 1.0,
        "watch": None,
        "act": None,
        "state": state,
        "detail": "PSI of units per line 0.31 (at or beyond act 0.25)",
    }
    with duckdb.connect(str(path)) as con:
        ensure_drift_history(con)
        replace_month(con, date(2026, 8, 1), pl.DataFrame([overall], schema=HISTORY_COLUMNS))
    return path


def test_the_drift_sensor_asks_for_one_retrain_per_episode(tmp_path):
    serving = ServingFile(path=str(_drift_snapshot(tmp_path / "serving.duckdb", "act")))
    sensor = _sensor("drift_retrain_sensor")
    with dg.instance_for_test() as instance:
        first = evaluate_sensor(sensor, instance, serving=serving)
        second = evaluate_sensor(sensor, instance, first.cursor, serving=serving)
    [request] = first.run_requests
    assert request.run_config == {"ops": {"segment_customers": {"config": {"retrain": True}}}}
    assert requested_months(request) == ("2026-08-01", "2026-08-01")
    assert "PSI of units per line 0.31" in request.tags[REASON_TAG]
    assert request.tags["seg_assets/drifted_model"] == "2026-07-aaa"
    assert not second.run_requests
    assert "already asked" in second.skip_message


def test_the_drift_sensor_in_dry_run_records_what_it_would_launch(tmp_path):
    serving = ServingFile(path=str(_drift_snapshot(tmp_path / "serving.duckdb", "act")))
    settings = load_automation_settings().with_sensors(drift_dry_run=True)
    sensor = build_drift_sensor(settings)
    with dg.instance_for_test() as instance:
        tick = evaluate_sensor(sensor, instance, serving=serving)
    assert not tick.run_requests
    assert tick.skip_message.startswith("dry run: would launch a retrain of 2026-08-01")
    assert "DRY RUN" in sensor.description


def test_the_drift_sensor_waits_without_a_snapshot_and_ignores_watch(tmp_path):
    sensor = _sensor("drift_retrain_sensor")
    watch = ServingFile(path=str(_drift_snapshot(tmp_path / "watch.duckdb", "watch")))
    with dg.instance_for_test() as instance:
        missing = evaluate_sensor(
            sensor, instance, serving=ServingFile(path=str(tmp_path / "no.duckdb"))
        )
        watched = evaluate_sensor(sensor, instance, serving=watch)
    assert not missing.run_requests and "no drift history" in missing.skip_message
    assert not watched.run_requests and "is watch" in watched.skip_message


def test_the_stale_keys_sensor_refreshes_months_on_superseded_customer_keys(tmp_path):
    serving = tmp_path / "serving.duckdb"
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema mdm; create schema marts")
        con.execute("create table mdm.dim_customer_golden as select 'erp:C1' as customer_key")
        con.execute(
            "create table marts.fct_customer_months as select * from (values"
            " ('erp:C1', date '2025-02-01'), ('erp:C9', date '2025-03-01'),"
            " ('erp:C9', date '2025-04-01'), ('erp:C1', date '2025-06-01'))"
            " as t(customer_key, order_month)"
        )
    sensor = _sensor("stale_customer_keys_sensor")
    with dg.instance_for_test() as instance:
        tick = evaluate_sensor(sensor, instance, serving=ServingFile(path=str(serving)))
    [request] = tick.run_requests
    assert requested_months(request) == ("2025-03-01", "2025-04-01")
    assert request.tags[TRIGGER_TAG] == "stale_keys"


def test_every_published_month_gets_its_drift_with_a_chart_and_a_warning_check(generated_year):
    database = generated_year["database"]
    published = {
        m
        for (m,) in query(
            database, "select distinct as_of_month from segmentation.customer_segments"
        )
    }
    overall = query(
        database,
        "select as_of_month, count(*), any_value(state) from segmentation.drift_history"
        " where subject = 'overall' group by all",
    )
    assert {month for month, _, _ in overall} == published
    assert all(count == 1 for _, count, _ in overall)
    features = len(load_segmentation_features())
    [(psi_rows,)] = query(
        database, "select count(*) from segmentation.drift_history where metric = 'psi'"
    )
    assert psi_rows == features * len(published)
    result = generated_year["result"]
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["segmentation", "drift_history"])
    ][-1:]
    chart = event.materialization.metadata["drift_chart"].value
    assert chart.startswith("![drift metrics by month](data:image/png;base64,")
    checks = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "drift_below_watch"
    ]
    assert checks and checks[0].severity == dg.AssetCheckSeverity.WARN


def load_segmentation_features() -> tuple[str, ...]:
    from seg_assets.lib.segmentation.settings import load_segmentation_settings

    return load_segmentation_settings().feature_names
