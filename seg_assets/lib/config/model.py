"""Typed configuration schemas: pydantic models that refuse unknown keys, coerce nothing
silently, and turn a failed validation into problems naming each key with a suggestion."""

import difflib
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from seg_assets.lib.config.problems import ConfigFileError, ConfigProblem, KeyPath
from seg_assets.lib.config.yaml_document import YamlDocument, read_yaml
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier


class ConfigModel(BaseModel):
    """A section of a configuration file: unknown keys are errors (a typo must not fall back
    to a default), values are never coerced (``yes`` is not 1, ``"3"`` is not 3), and a read
    setting cannot change."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class InvalidEntry(ValueError):
    """Raised by a model validator to blame one entry of the model (``key``, written as in
    messages: ``selection.min_segments``, ``features[2].weight``) rather than the whole
    section."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key_path: KeyPath = tuple(
            int(index) if index else name for name, index in _KEY_PART.findall(key)
        )


# A dotted key's parts: names, and [n] list indexes.
_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


Item = TypeVar("Item")


def _tuple_from_list(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# A YAML list read as a tuple (strict mode takes only tuples), items validated strictly.
Items = Annotated[tuple[Item, ...], BeforeValidator(_tuple_from_list)]
NonEmptyItems = Annotated[tuple[Item, ...], BeforeValidator(_tuple_from_list), Field(min_length=1)]


def _listed_once(value: tuple[Item, ...]) -> tuple[Item, ...]:
    twice = sorted({str(item) for item in value if value.count(item) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} listed more than once")
    return value


UniqueItems = Annotated[Items[Item], AfterValidator(_listed_once)]
"""A YAML list read as a tuple, each item at most once."""
NonEmptyUniqueItems = Annotated[NonEmptyItems[Item], AfterValidator(_listed_once)]
"""A non-empty YAML list read as a tuple, each item at most once."""

Share = Annotated[float, Field(gt=0, le=1)]
"""A share of a whole in (0, 1]."""
Probability = Annotated[float, Field(gt=0, lt=1)]
"""A number strictly between 0 and 1."""
NonNegative = Annotated[float, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]


def _identifier(value: str) -> str:
    try:
        return checked_identifier(value, "value")
    except SegAssetsError:
        raise ValueError(
            f"{value!r} is not a valid name (letters, digits and underscores, not starting "
            "with a digit)"
        ) from None


Identifier = Annotated[str, AfterValidator(_identifier)]
"""A SQL identifier, safe to quote into SQL."""

Model = TypeVar("Model", bound=BaseModel)


def _unwrap(annotation: Any) -> Iterator[Any]:
    """The model types an annotation can hold (through Annotated, Optional, tuples, lists and
    dicts)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        yield from _unwrap(typing.get_args(annotation)[0])
    elif origin in (Union, types.UnionType, tuple, list, dict):
        for argument in typing.get_args(annotation):
            yield from _unwrap(argument)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation


def _model_at(model_type: type[BaseModel], key_path: KeyPath) -> type[BaseModel] | None:
    """The model type validating the mapping at ``key_path`` (list indexes and dict keys are
    stepped through), or None when it cannot be told."""
    current: type[BaseModel] | None = model_type
    for part in key_path:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            # A key of a dict[str, Model] field: the model is the same.
            continue
        candidates = list(_unwrap(field.annotation))
        current = candidates[0] if len(candidates) == 1 else None
    return current


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def suggestion(value: object, choices: Sequence[str]) -> str:
    """``did you mean X?`` for the closest of ``choices``, else the list of them."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}?"
    return f"expected one of {', '.join(choices)}"


def _unknown_key_message(model_type: type[BaseModel], key_path: KeyPath) -> str:
    parent = _model_at(model_type, key_path[:-1])
    if parent is None:
        return "unknown key"
    return f"unknown key; {suggestion(key_path[-1], _allowed_keys(parent))}"


_PYDANTIC_DICTIONARY = re.compile(r"a valid dictionary( or instance of \w+)?")
_PYDANTIC_SUBJECT = re.compile(r"^(Input|Value|Dictionary|List|Tuple|String|Data) should")


def _message(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    # Pydantic names its own types ("Input", "Dictionary", "Tuple"): say it in YAML's words.
    message = _PYDANTIC_SUBJECT.sub("should", message).replace("Field required", "required")
    message = _PYDANTIC_DICTIONARY.sub("a mapping", message.replace("a valid tuple", "a list"))
    message = message.replace(" after validation", "")
    given = error.get("input")
    if error["type"] not in ("missing", "value_error") and not isinstance(given, dict | list):
        message += f" (got {given!r})"
    return message


def problems_of(
    error: ValidationError, model_type: type[BaseModel], document: YamlDocument | None = None
) -> list[ConfigProblem]:
    """One problem per validation error, placed in ``document`` when given."""
    problems = []
    for item in error.errors():
        # Union members and tagged models add their type names to the location: drop them.
        key_path = tuple(part for part in item["loc"] if not _is_type_tag(part))
        blamed = item.get("ctx", {}).get("error")
        if isinstance(blamed, InvalidEntry):
            key_path = (*key_path, *blamed.key_path)
        if item["type"] == "extra_forbidden":
            message = _unknown_key_message(model_type, key_path)
        else:
            message = _message(item)
        position = None if document is None else document.position(key_path)
        problems.append(ConfigProblem(key_path, message, position))
    return sorted(problems, key=lambda problem: problem.position or (0, 0))


def _is_type_tag(part: str | int) -> bool:
    return isinstance(part, str) and (
        part[:1].isupper() or part.startswith(("function-", "literal[", "tuple[", "list["))
    )


def load_config(
    path: Path,
    model_type: type[Model],
    error_type: type[ConfigFileError] = ConfigFileError,
    context: dict[str, Any] | None = None,
) -> Model:
    """Read and validate one configuration file, reporting every problem in it at once.

    Parameters
    ----------
    path
        The YAML file (an empty file reads as an empty mapping: all defaults).
    model_type
        The schema of the whole file.
    error_type
        The error raised, naming the configuration.
    context
        Facts from outside the file that validators check references against (for example the
        columns of the table a setting names), passed as pydantic's validation context.
    """
    document = read_yaml(path, error_type)
    data = {} if document.data is None else document.data
    if not isinstance(data, dict):
        raise error_type(path, [ConfigProblem((), "expected a mapping of settings", (1, 1))])
    try:
        return model_type.model_validate(data, context=context)
    except ValidationError as error:
        raise error_type(path, problems_of(error, model_type, document)) from None
