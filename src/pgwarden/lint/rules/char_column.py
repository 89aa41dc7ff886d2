"""char-column: char(n) pads with spaces and is never better than text."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ._types import COLUMN_TAGS, column_types


def check(source: Source) -> Iterator[Hit]:
    for stmt, column, tn, name in column_types(source):
        if name in ("bpchar", "char", "character"):
            yield Hit(
                stmt,
                f"Column {column} is char(n): values are blank-padded and compare in surprising ways.",
                offset=stmt.at(tn.get("location")),
                evidence={"column": column},
            )


RULE = Rule(
    id="char-column",
    severity=Severity.WARNING,
    problem="char(n) pads values with spaces, wastes space, and is no faster than text.",
    help="Use text (with a CHECK on length if it matters).",
    bad="CREATE TABLE users (country char(2));",
    good="CREATE TABLE users (country text CHECK (char_length(country) = 2));",
    check=check,
    tags=COLUMN_TAGS,
)
