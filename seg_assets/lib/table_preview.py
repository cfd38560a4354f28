"""Render a few rows of a table as markdown for the Dagster UI."""

from collections.abc import Sequence
from typing import Any


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table of ``rows`` under ``columns`` headers.

    Parameters
    ----------
    columns
        Header names.
    rows
        Row values; ``None`` shows as an empty cell, pipes are escaped.
    """

    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(map(cell, columns)) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(map(cell, row)) + " |" for row in rows),
    ]
    return "\n".join(lines)
