"""SQL model discovery: names from paths, description and settings from the header, lineage
from the SQL itself."""

from pathlib import Path

import pytest

from seg_assets.lib.errors import ModelDefinitionError
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import discover_models, parse_model


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_project_models_are_discovered_with_parsed_lineage():
    models = {model.table: model for model in discover_models(sql_dir())}
    fact = models["marts.fct_order_lines"]
    assert fact.partition_column == "order_month"
    assert set(fact.upstream) == {
        ("staging", "stg_erp__orders"),
        ("staging", "stg_erp__order_lines"),
        ("staging", "stg_erp__products"),
        ("intermediate", "int_shipment_lines_freight_allocated"),
        ("mdm", "crosswalk"),
    }
    assert models["marts.fct_customer_months"].upstream == (("marts", "fct_order_lines"),)
    assert models["staging.stg_erp__order_lines"].description.startswith("ERP sales order lines")


def test_models_come_upstream_first():
    order = [model.table for model in discover_models(sql_dir())]
    assert order.index("staging.stg_erp__orders") < order.index("staging.stg_erp__order_lines")
    assert order.index("marts.fct_order_lines") < order.index("marts.fct_customer_months")


def test_header_settings_are_separated_from_the_description(tmp_path):
    path = _write(
        tmp_path,
        "marts/fct_x.sql",
        "-- Facts about x.\n-- @partition_column: x_month\nwith\nsource as (\n"
        "    select * from staging.stg_x\n    where d >= $month_start and d < $month_end\n)\n"
        "select * from source\n",
    )
    model = parse_model(path)
    assert (model.schema, model.name, model.description) == ("marts", "fct_x", "Facts about x.")
    assert model.partition_column == "x_month"
    assert model.upstream == (("staging", "stg_x"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("select 1\n", "start the file with a -- comment"),
        ("-- d\nselect * from stg_x\n", "neither a CTE nor schema-qualified"),
        ("-- d\nselect * from staging.x where d >= $month_start\n", "non-partitioned"),
        ("-- d\n-- @partition_column: m\nselect * from staging.x\n", "partitioned model takes"),
        ("-- d\n-- @materialized: view\nselect 1\n", "unknown header setting"),
        ("-- d\nselect 1; select 2\n", "exactly one select"),
        ("-- d\nselect from where\n", "does not parse"),
    ],
)
def test_malformed_models_fail_with_the_file_named(tmp_path, text, message):
    path = _write(tmp_path, "marts/fct_bad.sql", text)
    with pytest.raises(ModelDefinitionError, match=message) as error:
        parse_model(path)
    assert str(path) in str(error.value)


def test_reference_cycles_are_rejected(tmp_path):
    _write(tmp_path, "marts/a.sql", "-- a\nselect * from marts.b\n")
    _write(tmp_path, "marts/b.sql", "-- b\nselect * from marts.a\n")
    with pytest.raises(ModelDefinitionError, match="cycle"):
        discover_models(tmp_path)


def test_column_descriptions_come_from_the_header(tmp_path):
    path = _write(
        tmp_path,
        "marts/fct_x.sql",
        "-- Facts about x.\n-- @column orders: orders in the window,\n"
        "--     divided by its months.\n"
        "-- @column lines: order lines.\n-- More about x.\nwith\nsource as (\n"
        "    select * from staging.stg_x\n)\nselect * from source\n",
    )
    model = parse_model(path)
    assert model.description == "Facts about x. More about x."
    assert model.column_descriptions == (
        ("orders", "orders in the window, divided by its months."),
        ("lines", "order lines."),
    )
