"""The ``bi`` views of the serving file: their spec (config/serving.yaml), documentation and SQL.

A view is a stable, versioned column list over one served table plus ``publication_id``; its
column descriptions come from the source model's ``-- @column`` docs, so the README, the
``COMMENT ON COLUMN`` in the serving file and the Dagster UI say the same thing.
"""

from functools import cache
from pathlib import Path
from typing import Annotated, Self

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    Identifier,
    InvalidEntry,
    NonEmptyUniqueItems,
    PositiveInt,
    load_config,
    suggestion,
)
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier
from seg_assets.lib.kpi.alerts import COLUMN_DESCRIPTIONS as KPI_ALERT_COLUMNS
from seg_assets.lib.kpi.differentials import PAIR_COLUMN_DESCRIPTIONS
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.sql_models import SqlModel, discover_models
from seg_assets.lib.warehouse.curated_store import CURATED_SCHEMAS

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


class ServingSpecError(ConfigFileError):
    """config/serving.yaml is malformed or names a table or column no model builds."""


def _served_columns(info: ValidationInfo) -> dict[tuple[str, str], frozenset[str]] | None:
    """Columns of every table a view may read, when the loader passed them as context."""
    return (info.context or {}).get("served_columns")


def _is_name(text: str) -> bool:
    try:
        checked_identifier(text, "name")
    except SegAssetsError:
        return False
    return True


def _source_table(value: str, info: ValidationInfo) -> str:
    """``<schema>.<table>`` of a table of the served schemas that a model builds."""
    if value.count(".") != 1 or not all(map(_is_name, value.split("."))):
        raise ValueError(f"{value!r} must be <schema>.<table> (two names joined by a dot)")
    tables = _served_columns(info)
    if tables is not None and tuple(value.split(".")) not in tables:
        names = sorted(f"{schema}.{table}" for schema, table in tables)
        raise ValueError(
            f"{value!r} is not a table a model builds in the served schemas "
            f"({', '.join(CURATED_SCHEMAS)}); {suggestion(value, names)}"
        )
    return value


def _source_column(value: str, info: ValidationInfo) -> str:
    """A column of the view's source table (unchecked when the source itself is invalid)."""
    if value == PUBLICATION_COLUMN:
        raise ValueError(f"{PUBLICATION_COLUMN} is added to every view: do not list it")
    tables, source = _served_columns(info), info.data.get("source")
    if tables is None or source is None:
        return value
    columns = tables[tuple(source.split("."))]
    if value not in columns:
        raise ValueError(
            f"{value!r} is not a column of {source}; {suggestion(value, sorted(columns))}"
        )
    return value


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


class BiView(ConfigModel):
    """One view of the ``bi`` schema: columns of ``source`` plus ``publication_id``."""

    name: Identifier
    version: PositiveInt
    source: Annotated[str, AfterValidator(_source_table)]
    description: Annotated[str, AfterValidator(lambda text: " ".join(text.split()))] = ""
    columns: NonEmptyUniqueItems[Annotated[Identifier, AfterValidator(_source_column)]]
    month_column: Identifier | None = None

    @model_validator(mode="after")
    def _month_listed(self) -> Self:
        if self.month_column is not None and self.month_column not in self.columns:
            raise InvalidEntry(
                "month_column",
                f"{self.month_column!r} is not one of the columns; "
                f"{suggestion(self.month_column, self.columns)}",
            )
        return self

    @property
    def source_schema(self) -> str:
        """Schema of the source table."""
        return self.source.split(".")[0]

    @property
    def source_table(self) -> str:
        """Name of the source table, without the schema."""
        return self.source.split(".")[1]

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


def _named(views: object) -> object:
    """Each view's mapping with its name (the key it is listed under) added."""
    if not isinstance(views, dict):
        return views
    return {
        name: {"name": name, **spec} if isinstance(spec, dict) and "name" not in spec else spec
        for name, spec in views.items()
    }


class ServingSpec(ConfigModel):
    """Everything ``config/serving.yaml`` sets: the ``bi`` views by name, in file order."""

    views: Annotated[dict[str, BiView], Field(min_length=1)]

    _with_names = field_validator("views", mode="before")(_named)

    @field_validator("views")
    @classmethod
    def _named_by_key(cls, value: dict[str, BiView]) -> dict[str, BiView]:
        for name, view in value.items():
            if view.name != name:
                raise InvalidEntry(
                    f"{name}.name", "a view is named by its key under views: remove name"
                )
        return value


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
        One entry per view; each source is a table a model builds in a served schema and each
        column one of its columns.
    """
    spec = load_config(
        path or serving_config_path(),
        ServingSpec,
        ServingSpecError,
        context={"served_columns": served_columns()},
    )
    return list(spec.views.values())


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


@cache
def served_columns(sql_root: Path | None = None) -> dict[tuple[str, str], frozenset[str]]:
    """Columns of each table of the served schemas a model builds, by ``(schema, table)``: the
    SQL model's output columns and documented columns, or the docs of a table built in Python.

    Parameters
    ----------
    sql_root
        Folder of SQL models (``sql/`` by default).
    """
    tables = {table: frozenset(docs) for table, docs in PYTHON_TABLE_DOCS.items()}
    for model in _models(sql_root or sql_dir()):
        if model.schema in CURATED_SCHEMAS:
            documented = {column for column, _ in model.column_descriptions}
            tables[(model.schema, model.name)] = frozenset(
                {*(model.output_columns() or ()), *documented}
            )
    return tables


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
