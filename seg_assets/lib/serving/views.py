"""The ``bi`` views of the serving file: their spec (config/serving.yaml), documentation and SQL.

A view is a stable, versioned column list over one served table plus ``publication_id``; its
column descriptions come from the source model's ``-- @column`` docs, so the README, the
``COMMENT ON COLUMN`` in the serving file and the Dagster UI say the same thing.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from seg_assets.lib.config_reader import ConfigReader
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier
from seg_assets.lib.kpi.alerts import COLUMN_DESCRIPTIONS as KPI_ALERT_COLUMNS
from seg_assets.lib.kpi.differentials import PAIR_COLUMN_DESCRIPTIONS
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.sql_models import SqlModel, discover_models

BI_SCHEMA = "bi"
# Small tables the publication writes; bi.publication and bi.publication_contents read them.
META_SCHEMA = "serving_meta"
PUBLICATION_COLUMN = "publication_id"

# The publication views' own columns (they have no source model).
PUBLICATION_COLUMNS: tuple[tuple[str, str], ...] = (
    (PUBLICATION_COLUMN, "Identifier of the publication (a UUID), new at every publish."),
    ("run_id", "Dagster run that published the file."),
    ("published_at", "When the file was published (UTC)."),
    (
        "model_version",
        "Segmentation model version serving the newest published month (null before the"
        " first segmentation).",
    ),
    ("segmented_through", "Newest as-of month with published segments."),
    ("model_versions", "Every model version that serves a published month, comma separated."),
)
PUBLICATION_CONTENTS_COLUMNS: tuple[tuple[str, str], ...] = (
    (PUBLICATION_COLUMN, "Publication the counts belong to (bi.publication)."),
    ("view_name", "A bi view, without the schema."),
    ("view_version", "Version of the view's column list (config/serving.yaml)."),
    ("row_count", "Rows the view holds in this publication."),
)
PUBLICATION_VIEWS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "publication": (
        "The publication this file holds: one row naming the run, the time and the"
        " segmentation model version(s) served. A client compares publication_id with the one"
        " it last read to see that its connection reads a replaced (stale) file.",
        PUBLICATION_COLUMNS,
    ),
    "publication_contents": (
        "Rows per bi view in this publication, to check a read or an export is complete.",
        PUBLICATION_CONTENTS_COLUMNS,
    ),
}


# Column docs of the tables built in Python rather than by a SQL model.
PYTHON_TABLE_DOCS: dict[tuple[str, str], dict[str, str]] = {
    ("kpi", "kpi_alerts"): KPI_ALERT_COLUMNS,
    ("kpi", "fct_segment_differentials"): PAIR_COLUMN_DESCRIPTIONS,
}


class ServingSpecError(SegAssetsError):
    """config/serving.yaml is malformed or names a column no model documents."""


@dataclass(frozen=True)
class BiView:
    """One view of the ``bi`` schema: columns of ``source`` plus ``publication_id``."""

    name: str
    version: int
    source_schema: str
    source_table: str
    description: str
    columns: tuple[str, ...]
    month_column: str | None = None

    @property
    def source(self) -> str:
        """Qualified source table ``schema.table``."""
        return f"{self.source_schema}.{self.source_table}"

    @property
    def output_columns(self) -> tuple[str, ...]:
        """The view's columns in order: the listed ones, then ``publication_id``."""
        return (*self.columns, PUBLICATION_COLUMN)

    def select_sql(self) -> str:
        """The view's body, with unqualified-catalog names so it binds in the serving file."""
        listed = ",\n    ".join(f"source.{column}" for column in self.columns)
        return (
            f"select\n    {listed},\n    publication.{PUBLICATION_COLUMN}\n"
            f"from {self.source} as source\n"
            f"cross join {META_SCHEMA}.publication as publication"
        )


def serving_config_path() -> Path:
    """``config/serving.yaml`` (in ``SEG_ASSETS_CONFIG`` when set)."""
    return config_dir() / "serving.yaml"


def load_bi_views(path: Path | None = None) -> list[BiView]:
    """The ``bi`` views of ``path`` (config/serving.yaml by default), in file order.

    Parameters
    ----------
    path
        The serving configuration file.

    Returns
    -------
    list[BiView]
        One entry per view; names, sources and columns are checked identifiers.
    """
    reader = ConfigReader(path or serving_config_path(), ServingSpecError)
    views = reader.document().get("views")
    if not isinstance(views, dict) or not views:
        raise reader.fail("views", "expected a mapping of view name to its settings")
    loaded = []
    for name, spec in views.items():
        where = f"views.{name}"
        if not isinstance(spec, dict):
            raise reader.fail(where, "expected a mapping with version, source and columns")
        version = spec.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise reader.fail(f"{where}.version", f"{version!r} must be a positive integer")
        source = str(spec.get("source", ""))
        if source.count(".") != 1:
            raise reader.fail(f"{where}.source", f"{source!r} must be <schema>.<table>")
        schema, table = source.split(".")
        columns = spec.get("columns")
        if not isinstance(columns, list) or not columns:
            raise reader.fail(f"{where}.columns", "expected a non-empty list of column names")
        if len(set(columns)) != len(columns) or PUBLICATION_COLUMN in columns:
            raise reader.fail(
                f"{where}.columns", f"columns repeat or list {PUBLICATION_COLUMN} (it is added)"
            )
        month = spec.get("month_column")
        if month is not None and month not in columns:
            raise reader.fail(f"{where}.month_column", f"{month!r} is not one of the columns")
        loaded.append(
            BiView(
                name=checked_identifier(str(name), where),
                version=version,
                source_schema=checked_identifier(schema, f"{where}.source"),
                source_table=checked_identifier(table, f"{where}.source"),
                description=" ".join(str(spec.get("description", "")).split()),
                columns=tuple(checked_identifier(str(c), f"{where}.columns") for c in columns),
                month_column=month,
            )
        )
    return loaded


@cache
def _models(sql_root: Path) -> tuple[SqlModel, ...]:
    # Parsing every model takes about a second; the models change only with the code.
    return tuple(discover_models(sql_root))


def model_column_docs(sql_root: Path | None = None) -> dict[tuple[str, str], dict[str, str]]:
    """``@column`` descriptions of every SQL model, and the docs of the tables built in Python
    (``PYTHON_TABLE_DOCS``), by ``(schema, table)``.

    Parameters
    ----------
    sql_root
        Folder of SQL models (``sql/`` by default).
    """
    return {
        **PYTHON_TABLE_DOCS,
        **{
            (model.schema, model.name): dict(model.column_descriptions)
            for model in _models(sql_root or sql_dir())
        },
    }


def model_descriptions(sql_root: Path | None = None) -> dict[tuple[str, str], str]:
    """Each SQL model's description (its leading comment block), by ``(schema, table)``."""
    return {
        (model.schema, model.name): " ".join(model.description.split())
        for model in _models(sql_root or sql_dir())
    }


def view_column_docs(
    view: BiView, docs: dict[tuple[str, str], dict[str, str]]
) -> list[tuple[str, str | None]]:
    """``(column, description)`` of ``view`` in order; None where the source model has none.

    Parameters
    ----------
    view
        The view.
    docs
        Column descriptions by source table (``model_column_docs``).
    """
    source_docs = docs.get((view.source_schema, view.source_table), {})
    described: list[tuple[str, str | None]] = [
        (column, _one_line(source_docs.get(column))) for column in view.columns
    ]
    described.append((PUBLICATION_COLUMN, "Publication the row was read from (bi.publication)."))
    return described


def undocumented_columns(
    views: list[BiView], docs: dict[tuple[str, str], dict[str, str]]
) -> list[str]:
    """``bi.<view>.<column>`` of every view column without a description."""
    return [
        f"{BI_SCHEMA}.{view.name}.{column}"
        for view in views
        for column, text in view_column_docs(view, docs)
        if not text
    ]


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None
