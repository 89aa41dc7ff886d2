"""orjson-written reports are byte for byte what json.dumps(indent=2, default=str) writes."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from typing import Any

import pytest

from pgwarden._jsonout import dumps, is_plain, plain_strings


class Color(enum.Enum):
    RED = "red"


class Level(str, enum.Enum):
    HIGH = "high"


@dataclasses.dataclass
class Point:
    x: int


CASES: list[Any] = [
    {"findings": [], "summary": {}},
    {"a": [], "b": {}, "c": [{}, [], [[]]], "d": None, "e": True, "f": False, "g": -7},
    {"text": 'ASCII with "quotes", \\backslashes\\, \t tabs, \n newlines, \x01 and \x1f controls'},
    {"text": "DEL \x7f, é, — dash, ünï, 漢字, emoji 😀, line separator \u2028"},
    {"big": 2**63 - 1, "small": -(2**63), "bigger": 2**64, "tuple": (1, "two", (3,))},
    {"float": 1.5, "exp": 1e16, "tiny": 1e-7, "nan": float("nan")},
    {1: "int key"},
    {"enum": Color.RED, "str_enum": Level.HIGH},
    {"dataclass": Point(1), "when": datetime.datetime(2026, 1, 2, 3, 4, 5)},
    {"surrogate": "\ud800"},
    "just a string",
    [1, [2, [3, {"k": "v"}]]],
]


@pytest.mark.parametrize("doc", CASES, ids=range(len(CASES)))
def test_same_bytes_as_the_standard_library(doc: Any) -> None:
    assert dumps(doc) == json.dumps(doc, indent=2, default=str)


def test_plain_means_what_orjson_writes_like_the_standard_library() -> None:
    assert is_plain({"a": [1, "b", None, True, (2,)]})
    for value in (1.5, 2**64, {1: 2}, Color.RED, Level.HIGH, Point(1), b"bytes"):
        assert not is_plain({"a": [value]})


def test_many_characters_sharing_a_first_byte_are_each_escaped_like_the_standard_library() -> None:
    # — … → ‘ share their first UTF-8 byte; é ü another; 😀 and DEL stand alone; at every place
    # of a string (first, last, side by side) and in keys
    chars = "—…→‘éü😀\x7f"
    doc = {f"key{c}": [f"{c}{i}{c}{c}x{chars[(i + 1) % len(chars)]}" for i in range(50)] for c in chars}
    assert dumps(doc) == json.dumps(doc, indent=2, default=str)


def test_plain_strings_are_every_key_and_string_value() -> None:
    value = {"a": ["b", {"c": "d", "e": [1, None, ("f",)]}], "g": True}
    strings = plain_strings(value)
    assert strings is not None and sorted(strings) == ["a", "b", "c", "d", "e", "f", "g"]
    assert plain_strings({"a": [1.5]}) is None
