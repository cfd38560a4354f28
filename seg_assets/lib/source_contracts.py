"""Contracts of the landing files: which file each source system delivers and its typed columns."""

from dataclasses import dataclass
from pathlib import Path

import yaml

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.identifiers import checked_column_type, checked_identifier

SUPPORTED_FORMATS = ("csv", "parquet")
# The encodings DuckDB 2.0's CSV reader decodes without its separate encodings extension.
SUPPORTED_ENCODINGS = ("utf-8", "utf-16", "latin-1")


@dataclass(frozen=True)
class SourceContract:
    """One landing extract: ``<landing>/<system>/<entity>.<format>`` loaded into ``raw.<name>``."""

    name: str
    system: str
    entity: str
    format: str
    description: str
    key: str
    columns: tuple[tuple[str, str], ...]
    encoding: str = "utf-8"
    allow_empty: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        """Declared column names in file order."""
        return tuple(name for name, _ in self.columns)

    @property
    def landing_name(self) -> str:
        """The extract's path relative to the landing root (``<system>/<entity>.<format>``):
        the lineage recorded on its rows, the same whichever folder the landing root is."""
        return f"{self.system}/{self.entity}.{self.format}"

    def landing_file(self, landing_dir: Path) -> Path:
        """Path of this source's extract inside ``landing_dir``."""
        return landing_dir / self.landing_name


def load_source_contracts(path: Path) -> dict[str, SourceContract]:
    """Read and validate ``sources.yaml``.

    Parameters
    ----------
    path
        The YAML file with a top-level ``sources`` mapping.

    Returns
    -------
    dict
        Contracts by source name (``<system>__<entity>``).
    """
    document = yaml.safe_load(path.read_text()) or {}
    contracts = {}
    for name, spec in (document.get("sources") or {}).items():
        where = f"{path.name}: source {name}"
        fmt = spec.get("format")
        if fmt not in SUPPORTED_FORMATS:
            raise SourceContractError(f"{where}: format {fmt!r} is not one of {SUPPORTED_FORMATS}")
        columns = tuple(
            (
                checked_identifier(column, f"{where} column"),
                checked_column_type(column_type, f"{where} column {column}"),
            )
            for column, column_type in spec["columns"].items()
        )
        key = spec["key"]
        if key not in dict(columns):
            raise SourceContractError(f"{where}: key {key!r} is not a declared column")
        encoding = spec.get("encoding", "utf-8")
        if fmt != "csv" and "encoding" in spec:
            raise SourceContractError(f"{where}: only csv sources declare an encoding")
        if encoding not in SUPPORTED_ENCODINGS:
            raise SourceContractError(
                f"{where}: encoding {encoding!r} is not one of {SUPPORTED_ENCODINGS}"
            )
        allow_empty = spec.get("allow_empty", False)
        if not isinstance(allow_empty, bool):
            raise SourceContractError(f"{where}: allow_empty must be true or false")
        contracts[name] = SourceContract(
            name=checked_identifier(name, f"{path.name}: source"),
            system=spec["system"],
            entity=spec["entity"],
            format=fmt,
            description=spec.get("description", ""),
            key=key,
            columns=columns,
            encoding=encoding,
            allow_empty=allow_empty,
        )
    return contracts
