"""Pipeline-wide settings from ``config/pipeline.yaml`` (with environment overrides) and the
reason of each quarantine rule from ``config/quarantine_rules.yaml``, typed schemas validated
on load."""

import datetime as dt
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Self

import duckdb
import sqlglot
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlglot import exp

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    ConfigProblem,
    InvalidEntry,
    PositiveInt,
    load_config,
    problems_of,
    suggestion,
)
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.raw_loading import TYPE_ERROR_RULE
from seg_assets.lib.sql_models import QUARANTINE_RULE_COLUMN, parse_model

# Environment variables overriding an entry of config/pipeline.yaml, by entry.
_OVERRIDES = {
    ("partitions", "start"): "SEG_ASSETS_PARTITION_START",
    ("duckdb", "memory_limit"): "SEG_ASSETS_DUCKDB_MEMORY_LIMIT",
}

# The sizes DuckDB's memory_limit takes: a number and a unit (1000^i or 1024^i bytes), or a
# share of the machine's memory. DuckDB reads a negative size as "no limit": refused here.
_MEMORY_LIMIT = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$", re.I)


class PipelineConfigError(ConfigFileError):
    """``config/pipeline.yaml`` (or an environment variable overriding it) is malformed."""


class QuarantineRulesError(ConfigFileError):
    """``config/quarantine_rules.yaml`` is malformed or does not explain every rule."""


def _iso_month_start(value: Any) -> Any:
    """A first day of a month, written as a YAML date or as ``"YYYY-MM-DD"`` text."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        return value
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD") from None
    if day.day != 1:
        raise ValueError(
            f"{value!r} is not the first day of a month; write {day.replace(day=1).isoformat()}"
        )
    return day.isoformat()


def _memory_limit(value: str) -> str:
    if not _MEMORY_LIMIT.match(value) or float(re.sub(r"[^\d.]", "", value)) <= 0:
        raise ValueError(
            f"{value!r} is not a memory size DuckDB reads; write a positive number and a unit:"
            " KB, MB, GB, TB (or KiB ... TiB), or a share of memory such as 80%"
        )
    return value.strip()


MonthStart = Annotated[str, BeforeValidator(_iso_month_start)]
MemoryLimit = Annotated[str, AfterValidator(_memory_limit)]


class Partitions(ConfigModel):
    """The monthly partitions."""

    # First month of the monthly partitions; the embedded generator starts its data here too.
    start: MonthStart


@cache
def duckdb_setting_names() -> tuple[str, ...]:
    """The names of the settings this DuckDB version takes on connect."""
    with duckdb.connect() as con:
        return tuple(
            name for (name,) in con.execute("select name from duckdb_settings()").fetchall()
        )


class DuckDBOptions(ConfigModel):
    """Options passed to DuckDB on connect (None: DuckDB's own default). Besides the two typed
    here, any setting of DuckDB's own list is passed as written (e.g. temp_directory)."""

    model_config = ConfigDict(extra="allow")

    memory_limit: MemoryLimit | None = None
    threads: PositiveInt | None = None

    @model_validator(mode="after")
    def _duckdb_settings(self) -> Self:
        others = self.model_extra or {}
        if not others:
            return self
        names = duckdb_setting_names()
        for name, value in others.items():
            if name not in names:
                choices = [*type(self).model_fields, *names]
                raise InvalidEntry(
                    name,
                    f"unknown key; {suggestion(name, choices)} (not a setting of DuckDB"
                    f" {duckdb.__version__})",
                )
            if isinstance(value, dict | list) or value is None:
                raise InvalidEntry(name, f"should be a number, text or true/false (got {value!r})")
        return self


class PipelineSettings(ConfigModel):
    """Everything ``config/pipeline.yaml`` sets: partition start and DuckDB connection options."""

    partitions: Partitions
    duckdb: DuckDBOptions = DuckDBOptions()

    @property
    def partitions_start(self) -> str:
        """First day of the first monthly partition, ``YYYY-MM-DD``."""
        return self.partitions.start

    @property
    def duckdb_config(self) -> dict[str, Any]:
        """The options DuckDB is connected with, only those set."""
        return self.duckdb.model_dump(exclude_none=True)


def default_pipeline_settings_path() -> Path:
    """``config/pipeline.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "pipeline.yaml"


@cache
def _read_pipeline_settings(path: Path) -> PipelineSettings:
    return load_config(path, PipelineSettings, PipelineConfigError)


def _with_overrides(settings: PipelineSettings, path: Path) -> PipelineSettings:
    """``settings`` with the environment's overrides, each validated like the entry it
    replaces."""
    document = settings.model_dump()
    overridden = False
    for (section, key), variable in _OVERRIDES.items():
        value = os.environ.get(variable)
        if value:
            document[section][key] = value
            overridden = True
    if not overridden:
        return settings
    try:
        return PipelineSettings.model_validate(document)
    except ValidationError as error:
        problems = []
        for problem in problems_of(error, PipelineSettings):
            variable = _OVERRIDES.get(problem.key_path)
            setter = "" if variable is None else f" (set by the environment variable {variable})"
            problems.append(ConfigProblem(problem.key_path, problem.message + setter))
        raise PipelineConfigError(path, problems) from None


def load_pipeline_settings(path: Path | None = None) -> PipelineSettings:
    """Settings for this process; ``SEG_ASSETS_PARTITION_START`` overrides the partition start
    and ``SEG_ASSETS_DUCKDB_MEMORY_LIMIT`` DuckDB's memory limit (e.g. ``6GB`` for a large run),
    each checked like the entry it replaces.

    Parameters
    ----------
    path
        The YAML file; ``config/pipeline.yaml`` by default.

    Raises
    ------
    PipelineConfigError
        Listing every problem of the file (or of an override) with its line and column.
    """
    if path is None:
        # Read on every DuckDB connection: the shipped file is read once per process.
        path = default_pipeline_settings_path()
        settings = _read_pipeline_settings(path)
    else:
        settings = load_config(path, PipelineSettings, PipelineConfigError)
    return _with_overrides(settings, path)


def _literal_rules(expression: exp.Expression) -> tuple[set[str], bool]:
    """The rule codes a ``quarantine_rule`` expression can yield, and whether that is all of
    them (False when a branch computes its code)."""
    if isinstance(expression, exp.Literal) and expression.is_string:
        return {expression.this}, True
    if isinstance(expression, exp.Null):
        return set(), True
    if isinstance(expression, exp.Case):
        codes: set[str] = set()
        complete = True
        branches = [branch.args.get("true") for branch in expression.args.get("ifs") or []]
        for branch in [*branches, expression.args.get("default")]:
            if branch is not None:
                found, known = _literal_rules(branch)
                codes |= found
                complete = complete and known
        return codes, complete
    return set(), False


@cache
def emitted_quarantine_rules(sql_root: Path) -> tuple[dict[str, tuple[str, ...]], bool]:
    """Rule codes the SQL models under ``sql_root`` (and the raw layer) can emit, with the
    models emitting each, and whether every code could be read from the SQL.

    Parameters
    ----------
    sql_root
        Folder of the SQL models (``sql/``).
    """
    emitters: dict[str, list[str]] = {TYPE_ERROR_RULE: ["the raw layer"]}
    complete = True
    # Only the models naming a quarantine_rule column are parsed: this runs in every step.
    for path in sorted(sql_root.glob("*/*.sql")):
        if QUARANTINE_RULE_COLUMN not in path.read_text():
            continue
        model = parse_model(path)
        if not model.routes_to_quarantine:
            continue
        tree = sqlglot.parse_one(model.sql, read="duckdb")
        for alias in tree.find_all(exp.Alias):
            if alias.alias == QUARANTINE_RULE_COLUMN:
                codes, known = _literal_rules(alias.this)
                complete = complete and known
                for code in codes:
                    emitters.setdefault(code, []).append(model.table)
    return {code: tuple(sorted(models)) for code, models in sorted(emitters.items())}, complete


Reason = Annotated[str, Field(min_length=1)]


class QuarantineRules(ConfigModel):
    """Everything ``config/quarantine_rules.yaml`` sets: the reason shown for each rule code.

    The validation context may hold ``emitted_rules`` (code -> models emitting it) and
    ``all_rules_known`` (whether those are all the codes any model can emit).
    """

    rules: dict[str, Reason]

    @field_validator("rules")
    @classmethod
    def _every_rule_explained(cls, rules: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        context = info.context or {}
        emitted: Mapping[str, tuple[str, ...]] | None = context.get("emitted_rules")
        for code, reason in rules.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
                raise InvalidEntry(
                    code, f"{code!r} is not a rule code (lower-case letters, digits, _)"
                )
            if not reason.strip():
                raise InvalidEntry(code, "the reason is blank; say why such rows are set aside")
        if emitted is None:
            return rules
        unexplained = [code for code in emitted if code not in rules]
        # A code no model emits is checked first: it is most often a misspelt emitted one.
        if context.get("all_rules_known"):
            for code in rules:
                if code not in emitted:
                    hint = f"; {suggestion(code, unexplained)}" if unexplained else ""
                    raise InvalidEntry(
                        code, f"no model emits this rule: remove it or correct its code{hint}"
                    )
        if unexplained:
            listed = "; ".join(f"{code} ({', '.join(emitted[code])})" for code in unexplained)
            raise ValueError(
                f"no reason for rule(s) the models emit: {listed}; add one line per rule"
            )
        return rules


def default_quarantine_rules_path() -> Path:
    """``config/quarantine_rules.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "quarantine_rules.yaml"


def load_quarantine_rules(path: Path | None = None, check_models: bool = True) -> dict[str, str]:
    """Reason text for each quarantine rule code.

    Parameters
    ----------
    path
        The YAML file; ``config/quarantine_rules.yaml`` by default.
    check_models
        Whether every rule the SQL models emit must have a reason and every reason a model
        emitting it (off for rule files of tests' own models).

    Raises
    ------
    QuarantineRulesError
        Listing every problem of the file with its line and column.
    """
    context = None
    if check_models:
        emitted, complete = emitted_quarantine_rules(sql_dir())
        context = {"emitted_rules": emitted, "all_rules_known": complete}
    settings = load_config(
        path or default_quarantine_rules_path(), QuarantineRules, QuarantineRulesError, context
    )
    return dict(settings.rules)
