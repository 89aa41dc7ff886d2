"""The data guard's pure half: which statements can lose rows, read from PostgreSQL's own parser.

A statement is at risk when it drops or truncates a table, drops a column, deletes
or updates without ``WHERE``, drops a schema with ``CASCADE``, or changes a column's
type. Whether rows are really at stake is the live half's question
(``guard_rows``): it counts them inside the migration's transaction.

Not seen here (said in docs/migrate-formats.md): statements inside ``DO`` blocks and
functions, and ``DELETE``/``UPDATE`` inside a ``WITH`` clause.
"""

from __future__ import annotations

import re

from .guard_risk import Risk

__all__ = ["Risk", "line_of", "risks"]

# Cheap test before parsing (and before importing the parser): most statements of a migration cannot
# lose rows, and a chain of CREATE statements (or one applied to scratch) never loads pglast.
_MAYBE = re.compile(r"\b(?:drop|truncate|delete|update|type)\b", re.IGNORECASE)


def risks(text: str) -> list[Risk]:
    """What ``text`` (one statement) may destroy; empty when nothing or when it does not parse."""
    if not _MAYBE.search(text):
        return []
    from ._guard_parse import parsed_risks  # PostgreSQL's parser (pglast): only for a statement that may

    return parsed_risks(text)


def line_of(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` in ``text``."""
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1
