"""``[[expect.indexes]]``: the index exists on the declared columns, unique where declared, and valid."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...catalog.model import Index, Schema, Table
from ...errors import ConfigError
from ...expectations import ExpectIndex
from ...findings import Finding
from ._common import as_evidence, drift_finding, no_table, split_name


def check_index(expect: ExpectIndex, schema: Schema) -> list[Finding]:
    nsp, table_name = split_name(expect.table, expect.schema)
    qual_table = f"{nsp}.{table_name}"
    if expect.name is None and not expect.columns:
        raise ConfigError(f"[[expect.indexes]] on {qual_table}: give the index's `name`, or its `columns`.")
    cols = list(expect.columns) if expect.columns else None
    label = expect.name or f"({', '.join(cols or ())})"
    obj = f"{qual_table}.{expect.name}" if expect.name else f"{qual_table}{label}"
    what = (
        f"index {expect.name}"
        if expect.name
        else f"{'a unique ' if expect.unique else 'an '}index on {label}"
    )
    declared = as_evidence(expect)
    table = schema.table(qual_table)
    if table is None:
        return [no_table("missing_index", obj, what[0].upper() + what[1:], qual_table, "indexes", declared)]
    if expect.name is not None:
        index = table.index_map.get(expect.name)
    else:
        index = next((i for i in table.indexes if _index_matches(expect, i)), None)
    if index is None:
        return [_missing_index(expect, table, obj, what, declared)]
    if not index.valid:
        return [
            drift_finding(
                "invalid_index",
                obj,
                f"Index {index.name} on {qual_table} is invalid (a CREATE INDEX CONCURRENTLY failed "
                "part-way), so queries cannot use it.",
                "Rebuild it with the statement below.",
                fix=sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(sql.Identifier(nsp, index.name)),
                expected=declared,
                actual=_index_facts(index),
            )
        ]
    if not _index_matches(expect, index):
        return [
            drift_finding(
                "index_mismatch",
                obj,
                f"Index {index.name} on {qual_table} is {_describe_index(index.columns, index.unique)}, "
                f"but {_describe_index(expect.columns, expect.unique)} is declared.",
                "Re-create it in a migration (DROP INDEX CONCURRENTLY, then CREATE INDEX CONCURRENTLY as "
                "declared), or update [[expect.indexes]] if the change is intended.",
                expected=declared,
                actual=_index_facts(index),
            )
        ]
    return []


def _index_matches(expect: ExpectIndex, index: Index) -> bool:
    if expect.columns is not None and tuple(expect.columns) != index.columns:
        return False
    return expect.unique is None or expect.unique == index.unique


def _describe_index(columns: tuple[str, ...] | None, unique: bool | None) -> str:
    text = "unique on" if unique else "on" if unique is None else "non-unique on"
    return f"{text} ({', '.join(columns)})" if columns else ("unique" if unique else "non-unique")


def _index_facts(index: Index) -> dict[str, Any]:
    return {
        "name": index.name,
        "columns": list(index.columns),
        "unique": index.unique,
        "valid": index.valid,
        "definition": index.definition,
    }


def _missing_index(expect: ExpectIndex, table: Table, obj: str, what: str, declared: Any) -> Finding:
    nsp, name = table.schema, table.name
    fix: sql.Composable | None = None
    if expect.columns:
        head = sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY" if expect.unique else "CREATE INDEX CONCURRENTLY")
        parts: list[sql.Composable] = [head]
        if expect.name:
            parts.append(sql.Identifier(expect.name))
        parts.append(
            sql.SQL("ON {} ({})").format(
                sql.Identifier(nsp, name), sql.SQL(", ").join(sql.Identifier(c) for c in expect.columns)
            )
        )
        fix = sql.SQL(" ").join(parts)
    hint = "Create it in a migration marked `-- pgwarden: no-transaction` (the statement below)."
    if fix is None:
        hint = "Create it in a migration (CREATE INDEX CONCURRENTLY ... ON " + table.qualname + " (...))."
    if expect.name and expect.columns:
        same = [i.name for i in table.indexes if i.columns == tuple(expect.columns)]
        if same:
            hint += f" An index on the same columns exists as {', '.join(same)}: is `name` right?"
    return drift_finding(
        "missing_index",
        obj,
        f"The {what} on {table.qualname} does not exist, so queries that need it scan the table."
        if expect.name
        else f"There is no {what} on {table.qualname}, so queries that need it scan the table.",
        hint,
        fix=fix,
        expected=declared,
        actual=[_index_facts(i) for i in table.indexes] or None,
    )
