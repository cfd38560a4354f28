"""A YAML configuration file read with the line and column of every entry, so that each
error can point at the place to change."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from seg_assets.lib.config.problems import ConfigFileError, ConfigProblem, KeyPath


@dataclass(frozen=True)
class YamlDocument:
    """A parsed file: its data and where each key path starts (1-based line and column)."""

    path: Path
    data: Any
    positions: dict[KeyPath, tuple[int, int]]

    def position(self, key_path: KeyPath) -> tuple[int, int] | None:
        """Where ``key_path`` (or, when absent, its nearest present parent) starts."""
        for length in range(len(key_path), -1, -1):
            found = self.positions.get(key_path[:length])
            if found is not None:
                return found
        return None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _positions(
    node: yaml.Node, key_path: KeyPath, found: dict[KeyPath, tuple[int, int]]
) -> list[ConfigProblem]:
    """Record where every entry under ``node`` starts; duplicate keys are problems (plain
    YAML keeps the last one silently)."""
    found[key_path] = _mark(node)
    problems: list[ConfigProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*key_path, key)
            if key in seen:
                message = "duplicate key (YAML would keep only the last)"
                problems.append(ConfigProblem(child, message, _mark(key_node)))
            seen.add(key)
            problems += _positions(value_node, child, found)
            found[child] = _mark(key_node)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _positions(item, (*key_path, index), found)
    return problems


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    children = node.value if isinstance(node, yaml.SequenceNode) else []
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    return [scalar for child in children for scalar in _scalars(child)]


def _constructed(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path, error_type: type[ConfigFileError]
) -> Any:
    """The document's data; a scalar that parses but cannot be built (``2026-13-01`` is a
    date in YAML's grammar, not in the calendar) is reported at its place."""
    try:
        return loader.construct_document(node)
    except ValueError as error:
        for scalar in _scalars(node):
            try:
                yaml.SafeLoader("").construct_object(scalar)
            except ValueError:
                problem = f"{scalar.value!r} cannot be read: {error}; quote it to keep it as text"
                raise error_type(path, [ConfigProblem((), problem, _mark(scalar))]) from None
        raise


def read_yaml(path: Path, error_type: type[ConfigFileError] = ConfigFileError) -> YamlDocument:
    """Parse ``path``; a syntax error or a duplicate key raises ``error_type`` with the file,
    line and column.

    Parameters
    ----------
    path
        The YAML file.
    error_type
        The error raised (a ``ConfigFileError`` naming the configuration).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error_type(path, [ConfigProblem((), "file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise error_type(path, [ConfigProblem((), f"cannot be read: {error}")]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        positions: dict[KeyPath, tuple[int, int]] = {}
        problems = [] if node is None else _positions(node, (), positions)
        if problems:
            raise error_type(path, problems)
        data = None if node is None else _constructed(loader, node, path, error_type)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = None if mark is None else (mark.line + 1, mark.column + 1)
        # The context (an unclosed bracket, say) often starts lines above where it was noticed.
        context = error.context or ""
        if error.context and error.context_mark is not None and error.context_mark is not mark:
            started = error.context_mark
            context += f" (line {started.line + 1}, column {started.column + 1})"
        message = ": ".join(part for part in (context, error.problem or "") if part)
        raise error_type(path, [ConfigProblem((), f"invalid YAML: {message}", where)]) from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, positions)
