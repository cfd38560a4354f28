"""Master-data settings from ``config/mdm.yaml``, validated when they are read."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from seg_assets.lib.config_reader import ConfigReader
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import config_dir

STANDARDIZERS = ("company_name", "street", "text", "code", "tax_id", "digits", "lower", "id_number")
SIMILARITY_METHODS = ("jaro_winkler", "jaccard")
DISTANCE_METHODS = ("levenshtein", "numeric_difference", "date_difference")
METHODS = ("exact", *SIMILARITY_METHODS, *DISTANCE_METHODS)


class MdmConfigError(SegAssetsError):
    """``config/mdm.yaml`` or the steward overrides file is malformed."""


@dataclass(frozen=True)
class Field:
    """A compared field: a source-record column cleaned by a named standardizer."""

    name: str
    column: str
    standardizer: str


@dataclass(frozen=True)
class BlockingKey:
    """A blocking key: a field, or its first ``first_chars`` characters."""

    field: str
    first_chars: int | None = None

    @property
    def expression(self) -> str:
        """SQL over validated identifiers (Splink evaluates blocking keys as SQL)."""
        if self.first_chars is None:
            return self.field
        return f"substr({self.field}, 1, {self.first_chars})"


@dataclass(frozen=True)
class Comparison:
    """How one field is compared: a method and its level thresholds."""

    field: str
    method: str
    thresholds: tuple[float, ...] = ()


@dataclass(frozen=True)
class DeterministicRule:
    """Records that agree on all ``fields`` (none of them empty) are the same customer."""

    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Training:
    """Seed and sizes of the unsupervised training of the probabilistic model."""

    seed: int
    u_sample_pairs: int
    deterministic_recall: float
    em_blocking_rules: tuple[tuple[BlockingKey, ...], ...]
    min_pairs: int


@dataclass(frozen=True)
class Standardization:
    """Word lists the standardizers use."""

    transliterations: tuple[tuple[str, str], ...]
    connector_words: tuple[str, ...]
    legal_forms: tuple[str, ...]
    street_abbreviations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HierarchySettings:
    """How parent evidence is resolved."""

    resolve_ambiguous_parent_names: bool
    max_depth: int


@dataclass(frozen=True)
class MdmSettings:
    """Everything the matcher, the clustering and the hierarchy read from configuration."""

    standardization: Standardization
    fields: tuple[Field, ...]
    deterministic_rules: tuple[DeterministicRule, ...]
    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[tuple[BlockingKey, ...], ...]
    training: Training
    match_threshold: float
    what_if_thresholds: tuple[float, ...]
    hierarchy: HierarchySettings
    quality_targets: dict[str, float]

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the compared fields, in configuration order."""
        return tuple(field.name for field in self.fields)


def default_mdm_settings_path() -> Path:
    """``config/mdm.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "mdm.yaml"


class _Reader(ConfigReader):
    """Reads one document, naming the file and the entry in every error."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, MdmConfigError)

    def known_field(self, value: Any, fields: tuple[str, ...], where: str) -> str:
        if value not in fields:
            raise self.fail(where, f"unknown field {value!r}; fields are {', '.join(fields)}")
        return str(value)

    def fields(self, document: dict[str, Any]) -> tuple[Field, ...]:
        fields = []
        for name, spec in (document.get("fields") or {}).items():
            where = f"fields.{name}"
            spec = spec or {}
            standardizer = spec.get("standardizer")
            if standardizer not in STANDARDIZERS:
                raise self.fail(
                    where, f"standardizer {standardizer!r} is not one of {', '.join(STANDARDIZERS)}"
                )
            fields.append(
                Field(
                    name=self.identifier(name, where),
                    column=self.identifier(spec.get("column"), f"{where}.column"),
                    standardizer=standardizer,
                )
            )
        if not fields:
            raise self.fail("fields", "at least one field is needed")
        return tuple(fields)

    def blocking_rule(
        self, rule: Any, fields: tuple[str, ...], where: str
    ) -> tuple[BlockingKey, ...]:
        if not isinstance(rule, list) or not rule:
            raise self.fail(where, "a blocking rule is a non-empty list of keys")
        keys = []
        for index, key in enumerate(rule):
            key_where = f"{where}[{index}]"
            if isinstance(key, dict):
                keys.append(
                    BlockingKey(
                        field=self.known_field(key.get("field"), fields, key_where),
                        first_chars=self.positive_int(key.get("first_chars"), key_where),
                    )
                )
            else:
                keys.append(BlockingKey(field=self.known_field(key, fields, key_where)))
        return tuple(keys)

    def comparison(self, entry: dict[str, Any], fields: tuple[str, ...], where: str) -> Comparison:
        method = entry.get("method")
        if method not in METHODS:
            raise self.fail(where, f"method {method!r} is not one of {', '.join(METHODS)}")
        thresholds = tuple(
            self.number(t, f"{where}.thresholds") for t in entry.get("thresholds") or ()
        )
        if method != "exact" and not thresholds:
            raise self.fail(where, f"method {method} needs thresholds")
        if method in SIMILARITY_METHODS and (
            list(thresholds) != sorted(thresholds, reverse=True)
            or not all(0 < t < 1 for t in thresholds)
        ):
            raise self.fail(where, "similarity thresholds must lie in (0, 1), highest first")
        if method in DISTANCE_METHODS and (
            list(thresholds) != sorted(thresholds) or any(t < 0 for t in thresholds)
        ):
            raise self.fail(where, "distance thresholds must be non-negative, lowest first")
        return Comparison(
            field=self.known_field(entry.get("field"), fields, f"{where}.field"),
            method=method,
            thresholds=thresholds,
        )

    def settings(self, document: dict[str, Any]) -> MdmSettings:
        fields = self.fields(document)
        names = tuple(field.name for field in fields)
        standardization = document.get("standardization") or {}
        training = document.get("training") or {}
        hierarchy = document.get("hierarchy") or {}
        rules = tuple(
            DeterministicRule(
                name=self.identifier(rule.get("name"), f"deterministic_rules[{i}].name"),
                fields=tuple(
                    self.known_field(f, names, f"deterministic_rules[{i}].fields")
                    for f in rule.get("fields") or ()
                ),
            )
            for i, rule in enumerate(document.get("deterministic_rules") or ())
        )
        if any(not rule.fields for rule in rules):
            raise self.fail("deterministic_rules", "every rule needs at least one field")
        blocking = tuple(
            self.blocking_rule(rule, names, f"blocking_rules[{i}]")
            for i, rule in enumerate(document.get("blocking_rules") or ())
        )
        if not blocking:
            raise self.fail("blocking_rules", "at least one blocking rule is needed")
        comparisons = tuple(
            self.comparison(entry, names, f"comparisons[{i}]")
            for i, entry in enumerate(document.get("comparisons") or ())
        )
        if not comparisons:
            raise self.fail("comparisons", "at least one comparison is needed")
        return MdmSettings(
            standardization=Standardization(
                transliterations=tuple(
                    (str(k), str(v))
                    for k, v in (standardization.get("transliterations") or {}).items()
                ),
                connector_words=tuple(
                    str(word).upper() for word in standardization.get("connector_words") or ()
                ),
                legal_forms=tuple(
                    str(form).upper() for form in standardization.get("legal_forms") or ()
                ),
                street_abbreviations=tuple(
                    (str(k).upper(), str(v).upper())
                    for k, v in (standardization.get("street_abbreviations") or {}).items()
                ),
            ),
            fields=fields,
            deterministic_rules=rules,
            comparisons=comparisons,
            blocking_rules=blocking,
            training=Training(
                seed=int(self.number(training.get("seed", 0), "training.seed")),
                u_sample_pairs=self.positive_int(
                    training.get("u_sample_pairs", 1e7), "training.u_sample_pairs"
                ),
                deterministic_recall=self.probability(
                    training.get("deterministic_recall", 0.7), "training.deterministic_recall"
                ),
                em_blocking_rules=tuple(
                    self.blocking_rule(rule, names, f"training.em_blocking_rules[{i}]")
                    for i, rule in enumerate(training.get("em_blocking_rules") or ())
                ),
                min_pairs=self.positive_int(training.get("min_pairs", 200), "training.min_pairs"),
            ),
            match_threshold=self.probability(document.get("match_threshold"), "match_threshold"),
            what_if_thresholds=tuple(
                self.probability(t, "what_if_thresholds")
                for t in document.get("what_if_thresholds") or ()
            ),
            hierarchy=HierarchySettings(
                resolve_ambiguous_parent_names=bool(
                    hierarchy.get("resolve_ambiguous_parent_names", True)
                ),
                max_depth=self.positive_int(hierarchy.get("max_depth", 10), "hierarchy.max_depth"),
            ),
            quality_targets={
                str(name): self.probability(value, f"quality_targets.{name}")
                for name, value in (document.get("quality_targets") or {}).items()
            },
        )


def load_mdm_settings(path: Path | None = None) -> MdmSettings:
    """Read and validate the master-data settings.

    Parameters
    ----------
    path
        The YAML file; ``config/mdm.yaml`` by default.
    """
    source = path or default_mdm_settings_path()
    document = yaml.safe_load(source.read_text()) or {}
    return _Reader(source).settings(document)
