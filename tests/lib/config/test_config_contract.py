"""The configuration framework: YAML read with positions, schema errors placed at their key
with a suggestion, every problem of a file at once."""

from pathlib import Path
from typing import Self

import pytest
from pydantic import model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    InvalidEntry,
    Items,
    NonEmptyUniqueItems,
    Share,
    load_config,
    read_yaml,
)


class Band(ConfigModel):
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low > self.high:
            raise InvalidEntry("low", f"low {self.low} is above high {self.high}")
        return self


class Settings(ConfigModel):
    share: Share = 0.5
    count: int = 1
    bands: Items[Band] = ()
    names: NonEmptyUniqueItems[str] = ("a",)

    @model_validator(mode="after")
    def _first_band_named(self) -> Self:
        if self.bands and self.count > len(self.bands):
            raise InvalidEntry(f"bands[{len(self.bands) - 1}].high", "count exceeds the bands")
        return self


def _load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    return load_config(path, Settings)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigFileError) as raised:
        _load(tmp_path, text)
    assert raised.value.path == tmp_path / "settings.yaml"
    return [problem.describe() for problem in raised.value.problems]


def test_a_sound_file_and_an_empty_one_load(tmp_path):
    settings = _load(tmp_path, "share: 1\ncount: 2\nbands:\n  - {low: 0, high: 2}\n  - {}\n")
    assert settings.share == 1.0
    assert settings.bands == (Band(low=0.0, high=2.0), Band())
    assert _load(tmp_path, "") == Settings()


def test_every_problem_is_listed_in_file_order_with_its_place(tmp_path):
    problems = _problems(
        tmp_path,
        "count: yes\nshare: 0\nbands:\n  - {low: 3, high: 1}\nshar: 1\nnames: [a, b, a]\n",
    )
    assert problems == [
        "line 1, column 1: count: should be a valid integer (got True)",
        "line 2, column 1: share: should be greater than 0 (got 0)",
        "line 4, column 6: bands[0].low: low 3.0 is above high 1.0",
        "line 5, column 1: shar: unknown key; did you mean share?",
        "line 6, column 1: names: a listed more than once",
    ]


def test_a_validator_can_blame_a_list_item(tmp_path):
    assert _problems(tmp_path, "count: 3\nbands:\n  - {}\n  - {high: 2}\n") == [
        "line 4, column 6: bands[1].high: count exceeds the bands"
    ]


def test_an_unknown_key_far_from_any_gets_the_list_of_keys(tmp_path):
    assert _problems(tmp_path, "zzz: 1\n") == [
        "line 1, column 1: zzz: unknown key; expected one of share, count, bands, names"
    ]


def test_yaml_types_are_not_coerced(tmp_path):
    assert _problems(tmp_path, "count: '3'\nnames: []\nbands: null\n") == [
        "line 1, column 1: count: should be a valid integer (got '3')",
        "line 2, column 1: names: should have at least 1 item, not 0",
        "line 3, column 1: bands: should be a list (got None)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "share: 0.5\nnames: [a,\nbands: []\n",
            "line 4, column 1: invalid YAML: while parsing a flow sequence (line 2, column 8):"
            " expected ',' or ']', but got '<stream end>'",
            id="unclosed-bracket",
        ),
        pytest.param(
            "share: 0.5\ncount: 1\nshare: 0.7\n",
            "line 3, column 1: share: duplicate key (YAML would keep only the last)",
            id="duplicate-key",
        ),
        pytest.param(
            "share: 0.5\nwhen: 2026-13-01\n",
            "line 2, column 7: '2026-13-01' cannot be read: month must be in 1..12; quote it to"
            " keep it as text",
            id="impossible-date",
        ),
        pytest.param("- a\n- b\n", "line 1, column 1: expected a mapping of settings", id="list"),
        pytest.param(
            "share: 0.5\n\tcount: 1\n",
            "line 2, column 1: invalid YAML: while scanning for the next token: found character"
            " '\\t' that cannot start any token",
            id="tab",
        ),
    ],
)
def test_a_malformed_file_is_reported_at_its_place(tmp_path, text, expected):
    assert _problems(tmp_path, text) == [expected]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigFileError, match=r"settings\.yaml: file not found"):
        read_yaml(tmp_path / "settings.yaml")
