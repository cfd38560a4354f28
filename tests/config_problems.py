"""Assertions on configuration errors: the file, the entry, its line and what is wrong."""

import re
from pathlib import Path

from seg_assets.lib.config import ConfigFileError
from seg_assets.lib.errors import SegAssetsError


def assert_names(error: ConfigFileError, path: Path, line: int, entry: str, says: str) -> None:
    """``error`` is about ``path`` and lists ``entry`` (dotted key path) at ``line`` with a
    message saying ``says``, written "path: line L, column C: entry: message" for one problem
    or listed below the path for several."""
    message = str(error)
    assert isinstance(error, SegAssetsError)
    assert message.startswith(f"{path}: "), message
    found = [problem for problem in error.problems if problem.key == entry]
    assert found, message
    assert found[0].position is not None, message
    assert found[0].position[0] == line, message
    assert f"line {line}, column {found[0].position[1]}: {entry}: " in message, message
    assert says in found[0].message, message


def assert_listed_at_once(error: ConfigFileError, path: Path, entries: list[str]) -> None:
    """``error`` lists every one of ``entries``, in the order they stand in ``path``."""
    assert str(error).startswith(f"{path}: {len(entries)} errors:\n"), str(error)
    assert [problem.key for problem in error.problems] == entries


def write_edited(path: Path, text: str, old: str, new: str) -> int:
    """Write ``text`` with its one ``old`` replaced by ``new`` to ``path``; the line of
    ``new``'s last line, where a problem it makes is expected."""
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + new.rstrip("\n").count("\n") + 1


def assert_names_entry(error: ConfigFileError, entry: str, message: str) -> None:
    """``error`` names its file, the line and column of ``entry`` (a dotted key path), the entry
    and ``message``; the line named holds the entry's key (its parent's for a missing entry)."""
    text = str(error)
    found = re.match(
        rf"{re.escape(str(error.path))}: line (\d+), column \d+: {re.escape(entry)}: (.*)",
        text,
        re.S,
    )
    assert found, text
    assert message in found.group(2), text
    line = error.path.read_text().splitlines()[int(found.group(1)) - 1]
    keys = [part for part in re.split(r"[.\[\]]", entry) if part and not part.isdigit()]
    missing = found.group(2).startswith("required")
    key = keys[-2] if missing and len(keys) > 1 else keys[-1]
    assert key in line, f"line {found.group(1)} {line!r} does not hold {key}: {text}"
