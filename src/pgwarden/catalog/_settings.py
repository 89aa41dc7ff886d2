"""Relation settings read apart from the main queries: replica identity, reloptions, identity options.

Each setting is reduced to what differs from PostgreSQL's default, so a source that cannot
express it (SQLAlchemy models, a snapshot written before it existed) compares equal to a
database that never set it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Literal, cast

from .model import Column, Table, View

_REPLICA = {"d": None, "f": "full", "n": "nothing", "i": "index"}
_TYPE_RANGE = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def identity_options(
    data_type: str, start: int, increment: int, min_value: int, max_value: int, cache: int, cycle: bool
) -> tuple[str, ...]:
    """The options of an identity column's sequence that differ from the defaults for its type.

    Each is spelled as ``ALTER COLUMN .. SET`` and ``GENERATED .. AS IDENTITY (..)`` take it.
    """
    low, high = _TYPE_RANGE.get(data_type, _TYPE_RANGE["bigint"])
    ascending = increment > 0
    default_min, default_max = (1, high) if ascending else (low, -1)
    default_start = default_min if ascending else default_max
    out: list[str] = []
    if increment != 1:
        out.append(f"INCREMENT BY {increment}")
    if min_value != default_min:
        out.append(f"MINVALUE {min_value}")
    if max_value != default_max:
        out.append(f"MAXVALUE {max_value}")
    if start != default_start:
        out.append(f"START WITH {start}")
    if cache != 1:
        out.append(f"CACHE {cache}")
    if cycle:
        out.append("CYCLE")
    return tuple(out)


def default_identity_options(data_type: str, increment: int = 1) -> tuple[str, ...]:
    """Every option spelled out at its default: what resets a column whose options are dropped."""
    low, high = _TYPE_RANGE.get(data_type, _TYPE_RANGE["bigint"])
    lo, hi = (1, high) if increment > 0 else (low, -1)
    return (
        f"INCREMENT BY {increment}",
        f"MINVALUE {lo}",
        f"MAXVALUE {hi}",
        f"START WITH {lo if increment > 0 else hi}",
        "CACHE 1",
        "NO CYCLE",
    )


def with_identity_options(
    columns: tuple[Column, ...], options: dict[str, tuple[str, ...]]
) -> tuple[Column, ...]:
    if not options:
        return columns
    return tuple(replace(c, identity_options=options[c.name]) if options.get(c.name) else c for c in columns)


def group_identity(rows: Iterable[tuple[Any, ...]]) -> dict[int, dict[str, tuple[str, ...]]]:
    """Rows of ``identity_options.sql`` as relation oid -> column -> non-default options."""
    out: dict[int, dict[str, tuple[str, ...]]] = {}
    for relid, column, data_type, start, increment, low, high, cache, cycle in rows:
        found = identity_options(data_type, start, increment, low, high, cache, cycle)
        if found:
            out.setdefault(relid, {})[column] = found
    return out


def group_settings(
    rows: Iterable[tuple[Any, ...]],
) -> dict[int, tuple[str | None, str | None, tuple[str, ...]]]:
    """Rows of ``relation_settings.sql`` as oid -> (replica identity, its index, sorted reloptions)."""
    return {
        oid: (_REPLICA.get(ident), index if ident == "i" else None, tuple(sorted(options or ())))
        for oid, ident, index, options in rows
    }


def table_settings(t: Table, setting: tuple[str | None, str | None, tuple[str, ...]] | None) -> Table:
    if setting is None or (setting[0] is None):
        return t
    ident = cast(Literal["full", "nothing", "index"], setting[0])
    return replace(t, replica_identity=ident, replica_index=setting[1])


def view_settings(v: View, setting: tuple[str | None, str | None, tuple[str, ...]] | None) -> View:
    if setting is None or not setting[2]:
        return v
    return replace(v, options=setting[2])
