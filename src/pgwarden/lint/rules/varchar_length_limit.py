"""varchar-length-limit: varchar(n) limits bring migrations and no benefit over text."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import type_has_modifier
from ._types import COLUMN_TAGS, column_types


def check(source: Source) -> Iterator[Hit]:
    for stmt, column, tn, name in column_types(source):
        if name == "varchar" and type_has_modifier(tn):
            yield Hit(
                stmt,
                f"Column {column} is varchar(n): changing the limit later locks the table; text with a CHECK is as fast.",
                offset=stmt.at(tn.get("location")),
                evidence={"column": column},
            )


RULE = Rule(
    id="varchar-length-limit",
    severity=Severity.WARNING,
    problem="varchar(n) stores like text, but raising or lowering n later needs an ACCESS EXCLUSIVE lock (lowering rewrites the table).",
    help="Use text, with CHECK (char_length(col) <= n) NOT VALID when a limit matters.",
    bad="CREATE TABLE users (username varchar(32));",
    good="CREATE TABLE users (username text CHECK (char_length(username) <= 32));",
    check=check,
    tags=COLUMN_TAGS,
)
