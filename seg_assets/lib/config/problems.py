"""Configuration errors that name the file, the key, its line and column, and say what to
change; every problem of a file is reported at once."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seg_assets.lib.errors import SegAssetsError

KeyPath = tuple[str | int, ...]


def dotted(key_path: KeyPath) -> str:
    """``("features", 2, "weight")`` as ``features[2].weight``."""
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration file."""

    key_path: KeyPath
    message: str
    position: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        """The entry as written in messages (``selection.max_segments``)."""
        return dotted(self.key_path)

    def describe(self) -> str:
        """``line 4, column 3: selection.max_segments: message``."""
        where = (
            "" if self.position is None else f"line {self.position[0]}, column {self.position[1]}: "
        )
        key = f"{self.key}: " if self.key_path else ""
        return f"{where}{key}{self.message}"


class ConfigFileError(SegAssetsError):
    """A configuration file is malformed: ``problems`` lists every error found in it."""

    def __init__(self, path: Path, problems: Sequence[ConfigProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            text = f"{path}: {self.problems[0].describe()}"
        else:
            listed = "\n".join(f"  {problem.describe()}" for problem in self.problems)
            text = f"{path}: {len(self.problems)} errors:\n{listed}"
        super().__init__(text)
