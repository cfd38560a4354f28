"""The bi views' spec: every column described by its source model, the spec checked, and the
README's generated list of views in step with it."""

import re
from pathlib import Path

import pytest
import yaml

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.project import PROJECT_ROOT
from seg_assets.lib.serving.docs import END_MARKER, START_MARKER, with_bi_views_section
from seg_assets.lib.serving.views import (
    PUBLICATION_COLUMN,
    BiView,
    ServingSpecError,
    load_bi_views,
    model_column_docs,
    serving_config_path,
    undocumented_columns,
    view_column_docs,
)


def test_every_bi_column_has_a_description():
    views = load_bi_views()
    assert views
    assert undocumented_columns(views, model_column_docs()) == []


def test_a_column_without_a_model_doc_is_reported():
    view = BiView(
        name="lines",
        version=1,
        source="marts.fct_order_lines",
        columns=("order_line_id", "mystery"),
    )
    assert undocumented_columns([view], model_column_docs()) == ["bi.lines.mystery"]


def test_every_view_ends_with_the_publication_id():
    for view in load_bi_views():
        described = view_column_docs(view, model_column_docs())
        assert [column for column, _ in described] == list(view.output_columns)
        assert view.output_columns[-1] == PUBLICATION_COLUMN


def test_the_readme_lists_the_views_as_generated():
    """Run `seg-assets docs` after changing config/serving.yaml or a source model's docs."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert with_bi_views_section(readme) == readme
    section = readme.split(START_MARKER)[1].split(END_MARKER)[0]
    for view in load_bi_views():
        assert f"#### `bi.{view.name}`" in section
        for column in view.output_columns:
            assert f"| `{column}` |" in section


def test_the_shipped_spec_reads_every_view_in_file_order():
    raw = yaml.safe_load(serving_config_path().read_text())["views"]
    views = load_bi_views()
    assert [view.name for view in views] == list(raw)
    for view in views:
        spec = raw[view.name]
        assert (view.version, view.source, view.columns) == (
            spec["version"],
            spec["source"],
            tuple(spec["columns"]),
        )
        assert f"{view.source_schema}.{view.source_table}" == spec["source"]
        assert view.month_column == spec.get("month_column")
        assert view.description == " ".join(spec["description"].split())


def _view(**entries: object) -> str:
    """A spec of one view ``v`` over marts.fct_order_lines, with ``entries`` changed."""
    view = {"version": 1, "source": "marts.fct_order_lines", "columns": ["order_line_id"]}
    return yaml.safe_dump({"views": {"v": {**view, **entries}}}, sort_keys=False)


MALFORMED = [
    pytest.param("views: []", "views", "should be a mapping", id="views-a-list"),
    pytest.param("views: {}", "views", "at least 1 item", id="no-views"),
    pytest.param(
        _view() + "view: {}\n", "view", "unknown key; did you mean views?", id="unknown-section"
    ),
    pytest.param(
        _view(colums=["order_line_id"]),
        "views.v.colums",
        "unknown key; did you mean columns?",
        id="unknown-key",
    ),
    pytest.param(
        _view(version=0), "views.v.version", "greater than or equal to 1", id="version-zero"
    ),
    pytest.param(
        _view(version="1"), "views.v.version", "valid integer (got '1')", id="version-as-text"
    ),
    pytest.param(
        _view(source="fct_order_lines"),
        "views.v.source",
        "'fct_order_lines' must be <schema>.<table>",
        id="source-without-schema",
    ),
    pytest.param(
        _view(source="marts.fct_order_line"),
        "views.v.source",
        "'marts.fct_order_line' is not a table a model builds in the served schemas "
        "(marts, kpi, segmentation, quality); did you mean marts.fct_order_lines?",
        id="unknown-source",
    ),
    pytest.param(
        _view(source="staging.stg_erp__orders", columns=["order_id"]),
        "views.v.source",
        "is not a table a model builds in the served schemas",
        id="unserved-source",
    ),
    pytest.param(_view(columns=[]), "views.v.columns", "at least 1 item", id="no-columns"),
    pytest.param(
        _view(columns=["order_line_id", "order_line_id"]),
        "views.v.columns",
        "order_line_id listed more than once",
        id="column-twice",
    ),
    pytest.param(
        _view(columns=["order_line_id", "publication_id"]),
        "views.v.columns[1]",
        "publication_id is added to every view: do not list it",
        id="publication-id-listed",
    ),
    pytest.param(
        _view(columns=["order_line_id", "order_dte"]),
        "views.v.columns[1]",
        "'order_dte' is not a column of marts.fct_order_lines; did you mean order_date?",
        id="unknown-column",
    ),
    pytest.param(
        _view(source="kpi.kpi_alerts", columns=["month", "kpi_name"]),
        "views.v.columns[1]",
        "'kpi_name' is not a column of kpi.kpi_alerts",
        id="unknown-column-of-python-table",
    ),
    pytest.param(
        _view(columns=["order_line_id"], month_column="order_month"),
        "views.v.month_column",
        "'order_month' is not one of the columns",
        id="month-column-not-listed",
    ),
    pytest.param(
        _view(name="w"),
        "views.v.name",
        "a view is named by its key under views: remove name",
        id="name-unlike-key",
    ),
    pytest.param(
        _view().replace("\n  v:\n", "\n  my-view:\n"),
        "views.my-view.name",
        "'my-view' is not a valid name",
        id="view-name-not-sql",
    ),
    pytest.param(
        "views:\n  v:\n    version: 1\n    version: 2\n",
        "views.v.version",
        "duplicate key",
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize(("spec", "key", "message"), MALFORMED)
def test_a_malformed_spec_names_the_file_the_line_and_the_entry(
    tmp_path: Path, spec: str, key: str, message: str
):
    path = tmp_path / "serving.yaml"
    path.write_text(spec)
    with pytest.raises(ServingSpecError) as raised:
        load_bi_views(path)
    assert isinstance(raised.value, ConfigFileError)
    where = rf"{re.escape(str(path))}: line \d+, column \d+: {re.escape(key)}: "
    assert re.match(where, str(raised.value)), str(raised.value)
    assert message in str(raised.value)


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path):
    path = tmp_path / "serving.yaml"
    path.write_text("views:\n  v:\n    columns: [a, b\n    version: 1\n")
    with pytest.raises(ServingSpecError, match=re.escape(f"{path}: line 4, column ")):
        load_bi_views(path)
