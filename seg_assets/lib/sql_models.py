"""Discovery of the dbt-style SQL models in ``sql/<schema>/<table>.sql``.

A model's table and schema come from its path, its description from the leading ``--`` comment
block, and its upstream tables from the SQL itself (parsed with sqlglot, never hand-listed).
Header lines of the form ``-- @key: value`` are model settings (``@partition_column``);
``-- @column <name>: <text>`` describes one output column (continued on following ``--`` lines
that start with more spaces), shown with the table's schema in the Dagster UI.
"""

import hashlib
import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp

from seg_assets.lib.errors import ModelDefinitionError
from seg_assets.lib.identifiers import checked_identifier

PARTITION_PARAMETERS = frozenset({"month_start", "month_end"})
# A model whose result has this column sends the rows where it is set to quarantine.
QUARANTINE_RULE_COLUMN = "quarantine_rule"
_SETTING = re.compile(r"^@(\w+):\s*(.+)$")
_COLUMN = re.compile(r"^@column\s+(\w+):\s*(.+)$")
_KNOWN_SETTINGS = frozenset({"partition_column"})


@dataclass(frozen=True)
class SqlModel:
    """One SQL model: a select statement that becomes the table ``schema.name``."""

    schema: str
    name: str
    path: Path
    sql: str
    description: str
    partition_column: str | None
    upstream: tuple[tuple[str, str], ...]
    column_descriptions: tuple[tuple[str, str], ...] = ()

    @property
    def table(self) -> str:
        """Qualified table name ``schema.name``."""
        return f"{self.schema}.{self.name}"

    @property
    def routes_to_quarantine(self) -> bool:
        """Whether the model emits a ``quarantine_rule`` column."""
        return f"as {QUARANTINE_RULE_COLUMN}" in self.sql

    def output_columns(self) -> tuple[str, ...] | None:
        """The columns the model's select returns, in order, followed through ``select *``
        from its CTEs; None when a star over a join or another table hides them."""
        tree = sqlglot.parse_one(self.sql, read="duckdb")
        ctes = {cte.alias: cte.this for cte in tree.find_all(exp.CTE)}
        return _select_columns(tree, ctes)

    @property
    def code_version(self) -> str:
        """Short hash of the SQL text, so a changed model shows as changed code."""
        return hashlib.sha256(self.sql.encode()).hexdigest()[:12]


def _select_columns(
    select: exp.Expression, ctes: dict[str, exp.Expression]
) -> tuple[str, ...] | None:
    if not isinstance(select, exp.Select):
        return None
    columns: list[str] = []
    for expression in select.expressions:
        if not expression.is_star:
            columns.append(expression.alias_or_name)
            continue
        source = select.args.get("from_")
        name = source.this.name if source is not None else ""
        if select.args.get("joins") or name not in ctes:
            return None
        starred = _select_columns(ctes[name], ctes)
        if starred is None:
            return None
        columns += starred
    return tuple(columns)


def _header(sql: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """Split the leading comment block into description text, ``@key: value`` settings and
    ``@column name: text`` column descriptions."""
    description: list[str] = []
    settings: dict[str, str] = {}
    columns: dict[str, str] = {}
    current: str | None = None
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        text = stripped[2:].strip()
        column = _COLUMN.match(text)
        setting = _SETTING.match(text)
        if column:
            current = column.group(1)
            columns[current] = column.group(2).strip()
        elif current and stripped[2:].startswith("   ") and text:
            columns[current] += " " + text
        elif setting:
            current = None
            settings[setting.group(1)] = setting.group(2).strip()
        else:
            current = None
            description.append(text)
    return " ".join(part for part in description if part).strip(), settings, columns


def _references(tree: exp.Expression, path: Path) -> tuple[tuple[str, str], ...]:
    """Schema-qualified tables read by the statement, CTE names excluded."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        if not table.db:
            if table.name in ctes:
                continue
            raise ModelDefinitionError(
                f"{path}: table {table.name!r} is neither a CTE nor schema-qualified;"
                " write it as <schema>.<table>"
            )
        found.add((table.db, table.name))
    return tuple(sorted(found))


def parse_model(path: Path) -> SqlModel:
    """Read one model file; its folder is the schema and its stem the table name."""
    sql = path.read_text()
    where = str(path)
    schema = checked_identifier(path.parent.name, f"{where}: schema folder")
    name = checked_identifier(path.stem, f"{where}: model name")
    description, settings, columns = _header(sql)
    unknown = set(settings) - _KNOWN_SETTINGS
    if unknown:
        raise ModelDefinitionError(f"{where}: unknown header setting(s) {sorted(unknown)}")
    if not description:
        raise ModelDefinitionError(f"{where}: start the file with a -- comment describing it")
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise ModelDefinitionError(f"{where}: SQL does not parse: {error}") from error
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ModelDefinitionError(f"{where}: a model is exactly one select statement")
    tree = statements[0]
    parameters = {node.name for node in tree.find_all(exp.Placeholder, exp.Parameter)}
    partition_column = settings.get("partition_column")
    expected = PARTITION_PARAMETERS if partition_column else frozenset()
    if parameters != expected:
        raise ModelDefinitionError(
            f"{where}: uses parameters {sorted(parameters)} but a"
            f" {'partitioned' if partition_column else 'non-partitioned'} model takes"
            f" {sorted(expected) or 'none'}"
        )
    return SqlModel(
        schema=schema,
        name=name,
        path=path,
        sql=sql,
        description=description,
        partition_column=(
            checked_identifier(partition_column, f"{where}: @partition_column")
            if partition_column
            else None
        ),
        upstream=_references(tree, path),
        column_descriptions=tuple(
            (checked_identifier(name, f"{where}: @column"), text) for name, text in columns.items()
        ),
    )


def discover_models(sql_root: Path) -> list[SqlModel]:
    """All models under ``sql_root``, ordered so every model follows its upstream models."""
    models = {model.table: model for model in map(parse_model, sorted(sql_root.glob("*/*.sql")))}
    graph = TopologicalSorter(
        {
            table: [f"{schema}.{name}" for schema, name in model.upstream]
            for table, model in models.items()
        }
    )
    try:
        order = list(graph.static_order())
    except CycleError as error:
        raise ModelDefinitionError(
            f"SQL models reference each other in a cycle: {error.args[1]}"
        ) from error
    return [models[table] for table in order if table in models]
