"""Master-data settings from ``config/mdm.yaml``, a typed schema validated on load."""

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import pydantic
import sqlglot
from pydantic import BeforeValidator, TypeAdapter, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails
from sqlglot.optimizer.qualify import qualify

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    Identifier,
    InvalidEntry,
    Items,
    KeyPath,
    NonEmptyItems,
    PositiveInt,
    Probability,
    Share,
    load_config,
    suggestion,
)
from seg_assets.lib.project import config_dir, sql_dir

# The table every field is read from: one row per customer record of every system.
RECORDS_MODEL = ("mdm", "customer_source_records")
Standardizer = Literal[
    "company_name", "street", "text", "code", "tax_id", "digits", "lower", "id_number"
]
SIMILARITY_METHODS = ("jaro_winkler", "jaccard")
DISTANCE_METHODS = ("levenshtein", "numeric_difference", "date_difference")
Method = Literal[
    "exact", "jaro_winkler", "jaccard", "levenshtein", "numeric_difference", "date_difference"
]
QUALITY_MEASURES = ("pairwise_precision", "pairwise_recall")


class MdmConfigError(ConfigFileError):
    """``config/mdm.yaml`` or the steward overrides file is malformed."""


def refuse_entries(model: str, problems: Sequence[tuple[KeyPath, Any, str]]) -> None:
    """Raise every ``(key path, value, message)`` problem at once, each placed at its own entry
    (list indexes included), from a model validator that checks entries against each other."""
    if problems:
        raise pydantic.ValidationError.from_exception_data(
            model,
            [
                InitErrorDetails(
                    type="value_error", loc=key_path, input=value, ctx={"error": ValueError(text)}
                )
                for key_path, value, text in problems
            ],
        )


def known_to_loader(value: str, info: ValidationInfo, facts: str, what: str) -> str:
    """``value`` when it is one of the loader's ``facts`` (a key of the validation context)
    or the loader gave none, else an error saying it is not ``what``."""
    known = (info.context or {}).get(facts)
    if known is not None and value not in known:
        raise ValueError(f"{value!r} is not {what}; {suggestion(value, known)}")
    return value


def _word(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a word: YAML reads unquoted yes, no, on and off as true or false;"
            " quote the word"
        )
    return value


Word = Annotated[str, pydantic.Field(min_length=1), BeforeValidator(_word)]
"""A non-empty piece of text from a word list."""
_WORD_MAP = TypeAdapter(dict[Word, Annotated[str, BeforeValidator(_word)]])


def _pairs(value: Any, info: ValidationInfo) -> Any:
    """A YAML mapping of words as ``(key, value)`` pairs, errors placed at each key."""
    if isinstance(value, list):
        raise ValueError("write a mapping, one 'word: replacement' entry a line")
    if isinstance(value, dict):
        return tuple(_WORD_MAP.validate_python(value, strict=True, context=info.context).items())
    return value


def _upper_words(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.upper() for word in words)


def _upper_pairs(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((key.upper(), value.upper()) for key, value in pairs)


WordPairs = Annotated[tuple[tuple[str, str], ...], BeforeValidator(_pairs)]


class Standardization(ConfigModel):
    """Word lists the standardizers use (upper-cased where compared with upper-cased text)."""

    transliterations: WordPairs = ()
    connector_words: Annotated[Items[Word], pydantic.AfterValidator(_upper_words)] = ()
    legal_forms: Annotated[Items[Word], pydantic.AfterValidator(_upper_words)] = ()
    street_abbreviations: Annotated[WordPairs, pydantic.AfterValidator(_upper_pairs)] = ()

    @model_validator(mode="after")
    def _listed_once(self) -> Self:
        problems = []
        for key in ("connector_words", "legal_forms"):
            words: tuple[str, ...] = getattr(self, key)
            problems += [
                ((key, index), word, f"{word!r} is listed twice (after upper-casing)")
                for index, word in enumerate(words)
                if word in words[:index]
            ]
        refuse_entries(type(self).__name__, problems)
        return self


class FieldSpec(ConfigModel):
    """How a compared field is read: a source-record column cleaned by a standardizer."""

    column: Identifier
    standardizer: Standardizer

    @field_validator("column")
    @classmethod
    def _record_column(cls, value: str, info: ValidationInfo) -> str:
        return known_to_loader(
            value, info, "record_columns", f"a column of {'.'.join(RECORDS_MODEL)}"
        )


class Field(FieldSpec):
    """A compared field: its name (the key in ``fields``), column and standardizer."""

    name: Identifier


_FIELD_SPECS = TypeAdapter(dict[Identifier, FieldSpec])


def _named_fields(value: Any, info: ValidationInfo) -> Any:
    """``fields`` is written as a mapping of name to spec: each entry becomes a ``Field``."""
    if isinstance(value, list):
        raise ValueError("write a mapping, one '<name>: {column: ..., standardizer: ...}' a line")
    if not isinstance(value, dict):
        return value
    specs = _FIELD_SPECS.validate_python(value, strict=True, context=info.context)
    return tuple(Field(name=name, **dict(spec)) for name, spec in specs.items())


class BlockingKey(ConfigModel):
    """A blocking key: a field, or its first ``first_chars`` characters."""

    field: Identifier
    first_chars: PositiveInt | None = None

    @property
    def expression(self) -> str:
        """SQL over validated identifiers (Splink evaluates blocking keys as SQL)."""
        if self.first_chars is None:
            return self.field
        return f"substr({self.field}, 1, {self.first_chars})"


def _key(value: Any) -> Any:
    """A blocking key written as a bare field name."""
    return {"field": value} if isinstance(value, str) else value


BlockingRule = NonEmptyItems[Annotated[BlockingKey, BeforeValidator(_key)]]
"""Records sharing every key (none of them empty) are candidate pairs."""


class Comparison(ConfigModel):
    """How one field is compared: a method and its level thresholds."""

    field: Identifier
    method: Method
    thresholds: Items[float] = ()

    @model_validator(mode="after")
    def _thresholds_fit_the_method(self) -> Self:
        levels = list(self.thresholds)
        if self.method == "exact":
            if levels:
                raise InvalidEntry("thresholds", "exact takes no thresholds; remove them")
        elif not levels:
            raise InvalidEntry("thresholds", f"method {self.method} needs thresholds")
        elif self.method in SIMILARITY_METHODS and (
            levels != sorted(set(levels), reverse=True) or not all(0 < t < 1 for t in levels)
        ):
            raise InvalidEntry(
                "thresholds", "similarity thresholds must lie in (0, 1), highest first, each once"
            )
        elif self.method in DISTANCE_METHODS and (
            levels != sorted(set(levels)) or any(t < 0 for t in levels)
        ):
            raise InvalidEntry(
                "thresholds", "distance thresholds must be non-negative, lowest first, each once"
            )
        elif self.method == "levenshtein" and any(t != int(t) for t in levels):
            raise InvalidEntry("thresholds", "levenshtein thresholds count edits: whole numbers")
        return self


class DeterministicRule(ConfigModel):
    """Records that agree on all ``fields`` (none of them empty) are the same customer."""

    name: Identifier
    fields: NonEmptyItems[Identifier]


class Training(ConfigModel):
    """Seed and sizes of the unsupervised training of the probabilistic model."""

    seed: int = 0
    u_sample_pairs: PositiveInt = 10_000_000
    deterministic_recall: Probability = 0.7
    em_blocking_rules: Items[BlockingRule] = ()
    min_pairs: PositiveInt = 200


class HierarchySettings(ConfigModel):
    """How parent evidence is resolved."""

    resolve_ambiguous_parent_names: bool = True
    max_depth: PositiveInt = 10


class MdmSettings(ConfigModel):
    """Everything the matcher, the clustering and the hierarchy read from configuration."""

    standardization: Standardization = Standardization()
    fields: Annotated[NonEmptyItems[Field], BeforeValidator(_named_fields)]
    deterministic_rules: Items[DeterministicRule] = ()
    comparisons: NonEmptyItems[Comparison]
    blocking_rules: NonEmptyItems[BlockingRule]
    training: Training = Training()
    match_threshold: Probability
    what_if_thresholds: Items[Probability] = ()
    hierarchy: HierarchySettings = HierarchySettings()
    quality_targets: dict[str, Share] = pydantic.Field(default_factory=dict)

    @field_validator("quality_targets")
    @classmethod
    def _known_measures(cls, targets: dict[str, float]) -> dict[str, float]:
        for name in targets:
            if name not in QUALITY_MEASURES:
                raise InvalidEntry(name, f"no such measure; {suggestion(name, QUALITY_MEASURES)}")
        return targets

    @model_validator(mode="after")
    def _references(self) -> Self:
        """Every field named is a configured field; names, comparisons and thresholds once."""
        names = self.field_names
        problems: list[tuple[KeyPath, Any, str]] = []

        def known(key_path: KeyPath, name: str) -> None:
            if name not in names:
                problems.append(
                    (key_path, name, f"{name!r} is not a field; {suggestion(name, names)}")
                )

        def once(key_path: KeyPath, value: Any, earlier: Sequence[Any], what: str) -> None:
            if value in earlier:
                problems.append((key_path, value, f"{what} {value!r} is listed twice"))

        rule_names = [rule.name for rule in self.deterministic_rules]
        for i, rule in enumerate(self.deterministic_rules):
            once(("deterministic_rules", i, "name"), rule.name, rule_names[:i], "rule")
            for j, name in enumerate(rule.fields):
                known(("deterministic_rules", i, "fields", j), name)
                once(("deterministic_rules", i, "fields", j), name, rule.fields[:j], "field")
        compared = [comparison.field for comparison in self.comparisons]
        for i, name in enumerate(compared):
            known(("comparisons", i, "field"), name)
            once(("comparisons", i, "field"), name, compared[:i], "comparison of field")
        for where, rules in (
            (("blocking_rules",), self.blocking_rules),
            (("training", "em_blocking_rules"), self.training.em_blocking_rules),
        ):
            for i, rule in enumerate(rules):
                for j, key in enumerate(rule):
                    known((*where, i, j, "field"), key.field)
        for i, threshold in enumerate(self.what_if_thresholds):
            once(("what_if_thresholds", i), threshold, self.what_if_thresholds[:i], "threshold")
        refuse_entries(type(self).__name__, problems)
        return self

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the compared fields, in configuration order."""
        return tuple(field.name for field in self.fields)


def default_mdm_settings_path() -> Path:
    """``config/mdm.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "mdm.yaml"


@cache
def customer_record_columns() -> tuple[str, ...]:
    """The columns of the customer-record model, read from its SQL: the columns fields may
    name."""
    schema, name = RECORDS_MODEL
    sql = (sql_dir() / schema / f"{name}.sql").read_text()
    # qualify expands the stars through the CTEs and the union of the systems' records.
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tuple(qualify(tree, dialect="duckdb", validate_qualify_columns=False).named_selects)


def load_mdm_settings(path: Path | None = None) -> MdmSettings:
    """Read and validate the master-data settings.

    Parameters
    ----------
    path
        The YAML file; ``config/mdm.yaml`` by default. Field columns must be columns of
        ``mdm.customer_source_records``.
    """
    return load_config(
        path or default_mdm_settings_path(),
        MdmSettings,
        MdmConfigError,
        context={"record_columns": customer_record_columns()},
    )
