"""Column defaults that mean the same although PostgreSQL prints them differently."""

from __future__ import annotations

import re

_CAST_LITERAL = re.compile(r"^'((?:[^']|'')*)'::(.+)$", re.DOTALL)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_TYPMOD = re.compile(r"\(\d+(?:,\d+)?\)")


def _base(type_: str) -> str:
    """``character varying(20)`` -> ``character varying``: a cast in a default carries no typmod."""
    return _TYPMOD.sub("", type_).strip().lower()


def canonical(default: str | None, column_type: str) -> str | None:
    """One spelling per value: ``'0'::numeric`` and ``0`` on a numeric column are both ``0``.

    ``server_default="0"`` in SQLAlchemy stores a quoted literal cast to the column's type;
    ``DEFAULT 0`` in SQL stores the number. Neither is drift.
    """
    if default is None:
        return None
    text = default.strip()
    match = _CAST_LITERAL.match(text)
    if match and _base(match.group(2)) == _base(column_type):
        value = match.group(1).replace("''", "'")
        return value if _NUMBER.match(value) else f"'{match.group(1)}'"
    return text


def same_default(expected: str | None, actual: str | None, column_type: str) -> bool:
    return expected == actual or canonical(expected, column_type) == canonical(actual, column_type)
