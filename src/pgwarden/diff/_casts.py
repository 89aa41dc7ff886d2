"""``USING`` expressions for column type changes where PostgreSQL has no cast between the two types.

Catalog types are printed with an empty ``search_path``, so a user-defined type (enum, domain,
composite) is schema-qualified and a built-in one is not. Between user-defined types there is
no cast (one enum to another), so the value goes through ``text``. For the common pairs with no
cast at all (epoch numbers and timestamps) the conversion is spelled out, with a comment saying
what it assumes.
"""

from __future__ import annotations

_NUMBERS = {"smallint", "integer", "bigint", "numeric", "real", "double precision"}
_TIMES = {"timestamp without time zone", "timestamp with time zone", "date"}


def _base(type_: str) -> str:
    """The type without its modifier: ``numeric(10,2)`` -> ``numeric``, ``timestamp(3) ..`` alike."""
    head, _, rest = type_.partition("(")
    if not rest:
        return type_
    return (head + rest.partition(")")[2]).strip()


def _user_defined(type_: str) -> bool:
    return "." in type_.split("(")[0]


def using(column: str, old: str, new: str) -> tuple[str, str | None]:
    """(expression converting quoted ``column`` from ``old`` to ``new``, what it assumes or ``None``)."""
    o, n = _base(old), _base(new)
    if o in _NUMBERS and n in _TIMES:
        when = f"to_timestamp({column})"
        if n == "timestamp without time zone":
            when = f"({when} AT TIME ZONE 'UTC')"
        elif n == "date":
            when = f"({when} AT TIME ZONE 'UTC')::date"
        return f"{when}::{new}", f"{column} holds seconds since 1970-01-01 UTC; write another USING if not"
    if o in _TIMES and n in _NUMBERS:
        source = f"({column} AT TIME ZONE 'UTC')" if o != "timestamp with time zone" else column
        return f"extract(epoch FROM {source})::{new}", f"{column} becomes seconds since 1970-01-01 UTC"
    if _user_defined(old) or _user_defined(new):
        via = "text[]" if new.endswith("[]") else "text"
        return f"{column}::{via}::{new}", None
    return f"{column}::{new}", None
