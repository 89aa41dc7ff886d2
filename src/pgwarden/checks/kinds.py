"""Built-in invariant kinds: write the check, population and lag SQL from a short spec.

Table and column names are composed with ``psycopg.sql.Identifier``; ``filter`` and
``target_filter`` are SQL conditions the operator wrote, kept as written (like a check query).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

__all__ = ["KINDS", "Built", "SpecError", "build"]


class SpecError(ValueError):
    """A spec key is missing or has the wrong shape; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Built:
    check: str
    """Rows are the violations; the first column is the key repair batches follow."""
    population: str | None
    """One number: how many rows the invariant is about (for percentage thresholds)."""
    target: str
    """The table the invariant is about (``public.bookings``), the findings' object."""
    lag: str | None = None
    """One column of seconds per covered row, for lag percentiles."""


def _text(spec: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = spec.get(key, default)
    if value is None:
        raise SpecError(key, f"needs `{key}`")
    if not isinstance(value, str) or not value.strip():
        raise SpecError(key, f"`{key}` must be a non-empty string, got {value!r}")
    return value.strip()


def _optional(spec: Mapping[str, Any], key: str) -> str | None:
    return _text(spec, key) if key in spec else None


def _names(spec: Mapping[str, Any], key: str) -> list[str]:
    value = spec.get(key)
    if value is None:
        raise SpecError(key, f"needs `{key}` (a list of column names)")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise SpecError(key, f"`{key}` must be a non-empty list of column names, got {value!r}")
    return list(value)


def _table(name: str) -> tuple[sql.Identifier, str]:
    schema, _, table = name.rpartition(".")
    schema = schema or "public"
    return sql.Identifier(schema, table), f"{schema}.{table}"


def _where(*conditions: sql.Composable | None) -> sql.Composable:
    present = [c for c in conditions if c is not None]
    if not present:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(sql.SQL("({})").format(c) for c in present)


def _raw(condition: str | None) -> sql.Composable | None:
    return sql.SQL(condition) if condition else None


def _s(query: sql.Composable) -> str:
    return query.as_string(None)


def unique(spec: Mapping[str, Any]) -> Built:
    """Duplicates on ``columns`` of ``table`` (rows matching ``filter``): one violation per duplicated key."""
    table, target = _table(_text(spec, "table"))
    columns = [sql.Identifier(c) for c in _names(spec, "columns")]
    cols = sql.SQL(", ").join(columns)
    where = _where(_raw(_optional(spec, "filter")))
    check = sql.SQL(
        "SELECT {cols}, count(*) AS copies FROM {t}{w} GROUP BY {cols} HAVING count(*) > 1"
    ).format(cols=cols, t=table, w=where)
    population = sql.SQL("SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {t}{w}) AS keys").format(
        cols=cols, t=table, w=where
    )
    return Built(_s(check), _s(population), target)


def _pairs(spec: Mapping[str, Any], key: str) -> list[tuple[str, str]]:
    value = spec.get(key)
    if value is None:
        raise SpecError(
            key, f'needs `{key}`, a table of column pairs such as {{ student_id = "student_id" }}'
        )
    if isinstance(value, str):
        return [(value, value)]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [(v, v) for v in value]
    if isinstance(value, Mapping) and value and all(isinstance(v, str) for v in value.values()):
        return [(str(k), str(v)) for k, v in value.items()]
    raise SpecError(key, f"`{key}` must map columns of `table` to columns of `target`, got {value!r}")


def coverage(spec: Mapping[str, Any]) -> Built:
    """Every row of ``table`` matching ``filter`` has a row in ``target`` (joined ``on``, matching ``target_filter``)."""
    a, target = _table(_text(spec, "table"))
    b, _ = _table(_text(spec, "target"))
    key_name = _text(spec, "key", "id")
    key = sql.Identifier(key_name)
    pairs = _pairs(spec, "on")
    join = sql.SQL(" AND ").join(
        sql.SQL("b.{} = a.{}").format(sql.Identifier(bcol), sql.Identifier(acol)) for acol, bcol in pairs
    )
    target_filter = _raw(_optional(spec, "target_filter"))
    match = join if target_filter is None else sql.SQL("{} AND ({})").format(join, target_filter)
    a_filter = _raw(_optional(spec, "filter"))
    shown = sql.SQL(", ").join(
        [sql.SQL("a.{}").format(key)]
        + [sql.SQL("a.{}").format(sql.Identifier(acol)) for acol, _ in pairs if acol != key_name]
    )
    check = sql.SQL("SELECT {shown} FROM {a} AS a{w}").format(
        shown=shown,
        a=a,
        w=_where(a_filter, sql.SQL("NOT EXISTS (SELECT 1 FROM {b} AS b WHERE {m})").format(b=b, m=match)),
    )
    population = sql.SQL("SELECT count(*) FROM {a} AS a{w}").format(a=a, w=_where(a_filter))
    lag = None
    lag_from, lag_to = _optional(spec, "lag_from"), _optional(spec, "lag_to")
    if (lag_from is None) != (lag_to is None):
        missing = "lag_to" if lag_to is None else "lag_from"
        raise SpecError(
            missing, "`lag_from` (a timestamp of `table`) and `lag_to` (one of `target`) go together"
        )
    if lag_from and lag_to:
        lag = _s(
            sql.SQL(
                "SELECT extract(epoch FROM (b.{to} - a.{frm}))::float8 AS seconds FROM {a} AS a JOIN {b} AS b ON {m}{w}"
            ).format(
                to=sql.Identifier(lag_to), frm=sql.Identifier(lag_from), a=a, b=b, m=match, w=_where(a_filter)
            )
        )
    return Built(_s(check), _s(population), target, lag)


def orphans(spec: Mapping[str, Any]) -> Built:
    """Rows of ``table`` whose ``column`` points at no row of ``references`` (a reference without a foreign key)."""
    child, target = _table(_text(spec, "table"))
    column = sql.Identifier(_text(spec, "column"))
    ref = _text(spec, "references")
    ref_column = spec.get("references_column", "id")
    if not isinstance(ref_column, str) or not ref_column:
        raise SpecError("references_column", f"`references_column` must be a column name, got {ref_column!r}")
    parent, _ = _table(ref)
    key = sql.Identifier(_text(spec, "key", "id"))
    c_filter = _raw(_optional(spec, "filter"))
    not_null = sql.SQL("c.{} IS NOT NULL").format(column)
    check = sql.SQL("SELECT c.{key}, c.{col} FROM {child} AS c{w}").format(
        key=key,
        col=column,
        child=child,
        w=_where(
            c_filter,
            not_null,
            sql.SQL("NOT EXISTS (SELECT 1 FROM {p} AS p WHERE p.{pc} = c.{col})").format(
                p=parent, pc=sql.Identifier(ref_column), col=column
            ),
        ),
    )
    population = sql.SQL("SELECT count(*) FROM {child} AS c{w}").format(
        child=child, w=_where(c_filter, not_null)
    )
    return Built(_s(check), _s(population), target)


def freshness(spec: Mapping[str, Any]) -> Built:
    """The newest ``column`` of ``table`` is at most ``max_age`` old (one violation row when it is not)."""
    table, target = _table(_text(spec, "table"))
    column = sql.Identifier(_text(spec, "column"))
    max_age = _text(spec, "max_age")
    where = _where(_raw(_optional(spec, "filter")))
    check = sql.SQL(
        "SELECT max({c}) AS newest, now() - max({c}) AS age FROM {t}{w} "
        "HAVING max({c}) IS NULL OR max({c}) < now() - {age}::interval"
    ).format(c=column, t=table, w=where, age=sql.Literal(max_age))
    return Built(_s(check), None, target)


def row_count(spec: Mapping[str, Any]) -> Built:
    """``table`` holds at least ``min`` rows (default 1): an empty table is a data-loss signal."""
    table, target = _table(_text(spec, "table"))
    minimum = spec.get("min", 1)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise SpecError("min", f"`min` must be a whole number of rows, 0 or more, got {minimum!r}")
    where = _where(_raw(_optional(spec, "filter")))
    check = sql.SQL("SELECT count(*) AS row_count FROM {t}{w} HAVING count(*) < {m}").format(
        t=table, w=where, m=sql.Literal(minimum)
    )
    return Built(_s(check), None, target)


KINDS: dict[str, tuple[Callable[[Mapping[str, Any]], Built], frozenset[str]]] = {
    "unique": (unique, frozenset({"table", "columns", "filter"})),
    "coverage": (
        coverage,
        frozenset({"table", "key", "filter", "target", "on", "target_filter", "lag_from", "lag_to"}),
    ),
    "orphans": (orphans, frozenset({"table", "key", "column", "references", "references_column", "filter"})),
    "freshness": (freshness, frozenset({"table", "column", "max_age", "filter"})),
    "row_count": (row_count, frozenset({"table", "min", "filter"})),
}
"""Each kind: the function that writes its SQL, and the spec keys it accepts."""


def build(kind: str, spec: Mapping[str, Any]) -> Built:
    """The SQL of built-in ``kind``; ``KeyError`` for an unknown kind, ``SpecError`` for a bad spec."""
    writer, _ = KINDS[kind]
    return writer(spec)
