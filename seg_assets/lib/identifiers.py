"""Validation of names and types that end up in SQL text, where binding is impossible."""

import re

from seg_assets.lib.errors import SegAssetsError

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_COLUMN_TYPE = re.compile(
    r"^(VARCHAR|DATE|TIMESTAMP|BOOLEAN|INTEGER|BIGINT|DOUBLE|DECIMAL\(\d{1,2},\d{1,2}\))$"
)


def checked_identifier(name: str, what: str) -> str:
    """Return ``name`` if it is a plain lower-case SQL identifier, else raise.

    Parameters
    ----------
    name
        The identifier to check (schema, table or column name).
    what
        What the identifier names, for the error message.
    """
    if not _IDENTIFIER.match(name):
        raise SegAssetsError(
            f"{what} {name!r} is not a valid identifier: use lower-case letters, digits and _"
        )
    return name


def checked_column_type(column_type: str, what: str) -> str:
    """Return ``column_type`` if it is one of the supported DuckDB column types, else raise.

    Parameters
    ----------
    column_type
        A DuckDB type such as ``DATE`` or ``DECIMAL(18,2)``.
    what
        What the type belongs to, for the error message.
    """
    normalized = column_type.strip().upper().replace(" ", "")
    if not _COLUMN_TYPE.match(normalized):
        raise SegAssetsError(
            f"{what} has unsupported type {column_type!r}; use VARCHAR, DATE, TIMESTAMP, BOOLEAN,"
            " INTEGER, BIGINT, DOUBLE or DECIMAL(p,s)"
        )
    return normalized


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal, for the statements that take no bound parameters
    (ATTACH, COPY ... TO, COMMENT ON): quotes doubled, so any path or comment is safe."""
    return "'" + text.replace("'", "''") + "'"


def quoted_name(*parts: str) -> str:
    """``parts`` (catalog, schema, table, column, any of them) as one dotted SQL name of quoted
    identifiers, for names read from the catalog: catalogs are named after files and may hold
    any character (quotes doubled)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)
