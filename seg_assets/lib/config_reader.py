"""Typed reads from a YAML configuration document, every error naming the file and the entry."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier


class ConfigReader:
    """Validating reads of one configuration file; errors are ``error_type``.

    Parameters
    ----------
    path
        The file read, named in every error.
    error_type
        The error raised (a subclass of ``SegAssetsError`` naming the configuration).
    """

    def __init__(self, path: Path, error_type: type[SegAssetsError]) -> None:
        self.path = path
        self.error_type = error_type

    def document(self) -> dict[str, Any]:
        """The file's top-level mapping (empty for an empty file)."""
        document = yaml.safe_load(self.path.read_text()) or {}
        if not isinstance(document, dict):
            raise self.error_type(f"{self.path}: expected a mapping of settings")
        return document

    def fail(self, where: str, message: str) -> SegAssetsError:
        """The error to raise for entry ``where``."""
        return self.error_type(f"{self.path}: {where}: {message}")

    def key(
        self,
        section: dict[str, Any],
        where: str,
        key: str,
        default: Any,
        read: Callable[[Any, str], Any],
    ) -> Any:
        """``section[key]`` (``default`` when absent) read by ``read`` (one of these methods),
        errors naming ``where.key`` (just ``key`` at the top level)."""
        return read(section.get(key, default), f"{where}.{key}" if where else key)

    def probability(self, value: Any, where: str) -> float:
        """A number strictly between 0 and 1."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise self.fail(where, f"{value!r} must be a number strictly between 0 and 1")
        return float(value)

    def number(self, value: Any, where: str) -> float:
        """Any number (booleans are refused: YAML reads ``yes`` as True)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"{value!r} is not a number")
        return float(value)

    def optional_number(self, value: Any, where: str) -> float | None:
        """A number, or None when the entry is null."""
        return None if value is None else self.number(value, where)

    def non_negative(self, value: Any, where: str) -> float:
        """A number >= 0."""
        number = self.number(value, where)
        if number < 0:
            raise self.fail(where, f"{value!r} must be >= 0")
        return number

    def positive_int(self, value: Any, where: str) -> int:
        """A whole number >= 1."""
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
            raise self.fail(where, f"{value!r} must be a positive whole number")
        if value != int(value):
            raise self.fail(where, f"{value!r} must be a whole number")
        return int(value)

    def identifier(self, value: Any, where: str) -> str:
        """A SQL identifier (letters, digits, underscores), safe to quote into SQL."""
        try:
            return checked_identifier(str(value), where)
        except SegAssetsError as error:
            raise self.fail(where, str(error)) from None

    def choice(self, value: Any, choices: tuple[str, ...], where: str) -> str:
        """One of ``choices``."""
        if value not in choices:
            raise self.fail(where, f"{value!r} is not one of {', '.join(choices)}")
        return str(value)

    def only_keys(self, section: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        """Refuse keys of ``section`` outside ``allowed``: a typo must not fall back silently
        to a default."""
        unknown = sorted(set(section) - set(allowed))
        if unknown:
            name = f"{where}.{unknown[0]}" if where else unknown[0]
            raise self.fail(name, f"unknown key (expected one of {', '.join(allowed)})")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        """A mapping (an absent entry reads as empty)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping of settings, got {value!r}")
        return value
