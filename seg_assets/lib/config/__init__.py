"""Configuration as a contract: every file under config/ is parsed into a typed schema that
refuses unknown keys, wrong types and out-of-range values, naming file, key, line and column."""

from seg_assets.lib.config.model import (
    ConfigModel,
    Identifier,
    InvalidEntry,
    Items,
    NonEmptyItems,
    NonEmptyUniqueItems,
    NonNegative,
    NonNegativeInt,
    PositiveInt,
    Probability,
    Share,
    UniqueItems,
    load_config,
    problems_of,
    suggestion,
)
from seg_assets.lib.config.problems import ConfigFileError, ConfigProblem, KeyPath, dotted
from seg_assets.lib.config.yaml_document import YamlDocument, read_yaml

__all__ = [
    "ConfigFileError",
    "ConfigModel",
    "ConfigProblem",
    "Identifier",
    "InvalidEntry",
    "Items",
    "KeyPath",
    "NonEmptyItems",
    "NonEmptyUniqueItems",
    "NonNegative",
    "NonNegativeInt",
    "PositiveInt",
    "Probability",
    "Share",
    "UniqueItems",
    "YamlDocument",
    "dotted",
    "load_config",
    "problems_of",
    "read_yaml",
    "suggestion",
]
