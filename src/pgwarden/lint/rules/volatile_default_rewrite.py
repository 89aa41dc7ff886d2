"""volatile-default-rewrite: ADD COLUMN with a volatile default rewrites the whole table."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, constraints, existing, relation_name, size_note, strings, type_name, walk

# Functions PostgreSQL evaluates once for ADD COLUMN … DEFAULT (stable or immutable), so no rewrite.
_SAFE = {
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_setting",
    "lower",
    "upper",
    "concat",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "to_jsonb",
    "to_json",
    "make_interval",
    "make_date",
    "length",
    "coalesce",
    "array_fill",
    "date_trunc",
    "btrim",
    "trim",
}
_SERIAL = {"serial", "serial4", "serial8", "bigserial", "smallserial", "serial2"}


def _volatile(expr: object) -> str | None:
    for tag, node in walk(expr):
        if tag == "FuncCall":
            name = (strings(node.get("funcname")) or [""])[-1].lower()
            if name not in _SAFE:
                return name + "()"
    return None


def _null(expr: object) -> bool:
    return isinstance(expr, dict) and expr.get("A_Const", {}).get("isnull") is True


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") != "AT_AddColumn" or "ColumnDef" not in cmd.get("def", {}):
                continue
            table = relation_name(stmt.node.get("relation"))
            if not existing(source, stmt, table):
                continue
            col = cmd["def"]["ColumnDef"]
            why = None
            if type_name(col.get("typeName")) in _SERIAL:
                why = "a serial type (nextval() per row)"
            for con in constraints(col):
                contype = con.get("contype")
                if contype == "CONSTR_DEFAULT":
                    fn = _volatile(con.get("raw_expr"))
                    if fn:
                        why = f"the volatile default {fn}"
                    elif source.postgres_version < 11 and not _null(con.get("raw_expr")):
                        # Before 11 every non-null default was written into each row.
                        why = f"a default (PostgreSQL {source.postgres_version} writes it into every row)"
                elif contype == "CONSTR_IDENTITY":
                    why = "an identity column"
                elif contype == "CONSTR_GENERATED":
                    why = "a stored generated column"
            if why:
                yield Hit(
                    stmt,
                    f"Adding {col.get('colname')} with {why} rewrites {table} under an ACCESS EXCLUSIVE lock{size_note(source, table)}.",
                    offset=stmt.at(col.get("location")),
                    evidence={"table": table, "column": col.get("colname")},
                )


RULE = Rule(
    id="volatile-default-rewrite",
    severity=Severity.WARNING,
    problem="A column added with a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval) is computed row by row: the table is rewritten while every query waits.",
    help="Add the column without a default (or with a constant one), set the default separately, and backfill in batches.",
    bad="ALTER TABLE jobs ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    good="ALTER TABLE jobs ADD COLUMN token uuid;\nALTER TABLE jobs ALTER COLUMN token SET DEFAULT gen_random_uuid();",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
