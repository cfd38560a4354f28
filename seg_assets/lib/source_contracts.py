"""Contracts of the landing files: which file each source system delivers and its typed columns,
read from ``config/sources.yaml`` into a schema validated on load."""

from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    Identifier,
    InvalidEntry,
    NonEmptyItems,
    load_config,
    suggestion,
)
from seg_assets.lib.errors import SegAssetsError, SourceContractError
from seg_assets.lib.identifiers import checked_column_type, checked_identifier
from seg_assets.lib.project import config_dir
from seg_assets.lib.quality.plausibility import LEARN, regex_problem

Format = Literal["csv", "parquet"]
# The encodings DuckDB 2.0's CSV reader decodes without its separate encodings extension.
Encoding = Literal["utf-8", "utf-16", "latin-1"]


class SourcesConfigError(ConfigFileError, SourceContractError):
    """``config/sources.yaml`` is malformed (a ``SourceContractError`` too, as every contract
    problem is)."""


def _column_type(value: str) -> str:
    try:
        return checked_column_type(value, "the column")
    except SegAssetsError as error:
        raise ValueError(str(error)) from None


ColumnType = Annotated[str, AfterValidator(_column_type)]
"""A DuckDB type the raw layer casts to, normalized (``decimal(18, 2)`` is ``DECIMAL(18,2)``)."""


def _key_pattern(value: str) -> str:
    if value != LEARN:
        problem = regex_problem(value)
        if problem is not None:
            raise ValueError(f"{problem}; or write {LEARN} to learn the shape from the last run")
    return value


KeyPattern = Annotated[str, AfterValidator(_key_pattern)]
"""A regular expression a key column's values (trimmed, upper case) match as a whole, or
``learn``: the shape of the previous run's values."""


class MasterDataLink(ConfigModel):
    """How a source's rows link to golden customers: ``column`` of its staging table holds IDs
    of ``system``'s customer records. When it is the source's own key in its own system, the
    rows are that system's customer records, linked when matched with another system's."""

    system: Identifier
    column: Identifier


def _column_problem(column: object, column_type: object) -> str | None:
    """What is wrong with one ``column: TYPE`` entry of a contract, if anything."""
    if not isinstance(column, str):
        return f"column name {column!r} is not text"
    try:
        checked_identifier(column, "column name")
        if not isinstance(column_type, str):
            return f"type {column_type!r} is not a type name; write e.g. VARCHAR or DATE"
        checked_column_type(column_type, f"column {column}")
    except SegAssetsError as error:
        return str(error)
    return None


class SourceContract(ConfigModel):
    """One landing extract: ``<landing>/<system>/<entity>.<format>`` loaded into ``raw.<name>``.

    In the file, ``name`` is the source's key (``<system>__<entity>``) and ``columns`` a mapping
    of column names to DuckDB types in file order.
    """

    name: Identifier = ""
    system: Identifier
    entity: Identifier
    format: Format
    description: str = ""
    key: Identifier
    columns: NonEmptyItems[tuple[Identifier, ColumnType]]
    encoding: Encoding = "utf-8"
    allow_empty: bool = False
    key_formats: dict[Identifier, KeyPattern] = Field(default_factory=dict)
    master_data_link: MasterDataLink | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _columns_from_mapping(cls, value: Any) -> Any:
        """``{column: TYPE, ...}`` as (column, TYPE) pairs in file order; a bad entry is blamed
        by its column name, where the file has it."""
        if not isinstance(value, dict):
            return value
        for column, column_type in value.items():
            problem = _column_problem(column, column_type)
            if problem is not None:
                raise InvalidEntry(str(column), problem)
        return tuple(value.items())

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = self.column_names
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise InvalidEntry("columns", f"{', '.join(twice)} declared more than once")
        if self.key not in names:
            raise InvalidEntry(
                "key", f"{self.key!r} is not a declared column; {suggestion(self.key, names)}"
            )
        for column in self.key_formats:
            if column not in names:
                raise InvalidEntry(
                    f"key_formats.{column}",
                    f"{column!r} is not a declared column; {suggestion(column, names)}",
                )
        if self.format != "csv" and "encoding" in self.model_fields_set:
            raise InvalidEntry(
                "encoding",
                f"only csv sources declare an encoding; remove it from this {self.format} source",
            )
        return self

    @property
    def column_names(self) -> tuple[str, ...]:
        """Declared column names in file order."""
        return tuple(name for name, _ in self.columns)

    @property
    def key_columns(self) -> tuple[tuple[str, str | None], ...]:
        """The key, then every other column with a format, each with its pattern (None: the
        shape is learned from the previous run)."""
        patterns = {column: self.key_formats.get(column, LEARN) for column in self.key_formats}
        columns = dict.fromkeys([self.key, *self.key_formats])
        return tuple(
            (column, None if patterns.get(column, LEARN) == LEARN else patterns[column])
            for column in columns
        )

    @property
    def links_own_records(self) -> bool:
        """Whether the rows are customer records of master data (linked when matched)."""
        link = self.master_data_link
        return link is not None and (link.system, link.column) == (self.system, self.key)

    @property
    def landing_name(self) -> str:
        """The extract's path relative to the landing root (``<system>/<entity>.<format>``):
        the lineage recorded on its rows, the same whichever folder the landing root is."""
        return f"{self.system}/{self.entity}.{self.format}"

    def landing_file(self, landing_dir: Path) -> Path:
        """Path of this source's extract inside ``landing_dir``."""
        return landing_dir / self.landing_name


class SourcesFile(ConfigModel):
    """Everything ``config/sources.yaml`` sets: the contracts by source name."""

    sources: dict[str, SourceContract] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _named_after_their_file(self) -> Self:
        for name, contract in self.sources.items():
            expected = f"{contract.system}__{contract.entity}"
            if name != expected:
                raise InvalidEntry(
                    f"sources.{name}",
                    f"a source is named <system>__<entity> after its landing file"
                    f" {contract.landing_name}: rename it {expected}",
                )
            if contract.name not in ("", name):
                raise InvalidEntry(
                    f"sources.{name}.name",
                    f"{contract.name!r} differs from the source's key {name!r}; remove it",
                )
            object.__setattr__(contract, "name", name)
        record_systems = sorted({c.system for c in self.sources.values() if c.links_own_records})
        for name, contract in self.sources.items():
            link = contract.master_data_link
            if link is not None and link.system not in record_systems:
                raise InvalidEntry(
                    f"sources.{name}.master_data_link.system",
                    f"no source delivers {link.system!r} customer records to master data"
                    f" (a source linking its own key in its own system does);"
                    f" {suggestion(link.system, record_systems)}",
                )
        return self


def default_sources_contracts_path() -> Path:
    """``config/sources.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "sources.yaml"


def load_source_contracts(path: Path | None = None) -> dict[str, SourceContract]:
    """Read and validate ``sources.yaml``.

    Parameters
    ----------
    path
        The YAML file with a top-level ``sources`` mapping; ``config/sources.yaml`` by default.

    Returns
    -------
    dict
        Contracts by source name (``<system>__<entity>``).

    Raises
    ------
    SourcesConfigError
        Listing every problem of the file with its line and column.
    """
    contracts = load_config(
        path or default_sources_contracts_path(), SourcesFile, SourcesConfigError
    )
    return dict(contracts.sources)
