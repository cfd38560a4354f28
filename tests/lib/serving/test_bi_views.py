"""The bi views' spec: every column described by its source model, the spec checked, and the
README's generated list of views in step with it."""

from pathlib import Path

import pytest

from seg_assets.lib.project import PROJECT_ROOT
from seg_assets.lib.serving.docs import END_MARKER, START_MARKER, with_bi_views_section
from seg_assets.lib.serving.views import (
    PUBLICATION_COLUMN,
    BiView,
    ServingSpecError,
    load_bi_views,
    model_column_docs,
    undocumented_columns,
    view_column_docs,
)


def test_every_bi_column_has_a_description():
    views = load_bi_views()
    assert views
    assert undocumented_columns(views, model_column_docs()) == []


def test_a_column_without_a_model_doc_is_reported():
    view = BiView("lines", 1, "marts", "fct_order_lines", "", ("order_line_id", "mystery"))
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


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("views: []", "expected a mapping of view name"),
        ("views:\n  v: {version: 0, source: marts.t, columns: [a]}", "positive integer"),
        ("views:\n  v: {version: 1, source: t, columns: [a]}", "<schema>.<table>"),
        ("views:\n  v: {version: 1, source: marts.t, columns: []}", "non-empty list"),
        ("views:\n  v: {version: 1, source: marts.t, columns: [a, a]}", "repeat"),
        (
            "views:\n  v: {version: 1, source: marts.t, columns: [a], month_column: b}",
            "'b' is not one of the columns",
        ),
    ],
)
def test_a_malformed_spec_names_the_file_and_entry(tmp_path: Path, spec: str, message: str):
    path = tmp_path / "serving.yaml"
    path.write_text(spec)
    with pytest.raises(ServingSpecError, match=message) as raised:
        load_bi_views(path)
    assert str(path) in str(raised.value)
