"""Constraints added NOT VALID and validated later in the same file, for the constraint rules."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Node, Source, Statement
from ..nodes import alter_cmds, existing, relation_name, transaction_ids


def validated_in_same_transaction(source: Source, contype: str) -> Iterator[tuple[Statement, str, str]]:
    """``(VALIDATE statement, table, constraint name)`` where the NOT VALID ADD CONSTRAINT of that
    name ran in the same transaction: the ADD's ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE) lock is
    then held through the validation's full scan, which is what NOT VALID was meant to avoid."""
    if b"valid" not in source.data.lower():
        return  # no NOT VALID and no VALIDATE in the file
    added: dict[tuple[str, str], int] = {}
    for stmt, tx in zip(source.statements, transaction_ids(source), strict=True):
        table = relation_name(stmt.node.get("relation"))
        for cmd in alter_cmds(stmt):
            kind = cmd.get("subtype")
            if kind == "AT_AddConstraint":
                con: Node = cmd.get("def", {}).get("Constraint", {})
                wanted = con.get("contype") == contype and con.get("skip_validation")
                if wanted and con.get("conname") and existing(source, stmt, table):
                    added[(table, con["conname"])] = tx
            elif kind == "AT_ValidateConstraint" and added.get((table, str(cmd.get("name")))) == tx:
                yield stmt, table, str(cmd.get("name"))


def validated_checks(source: Source, before: Statement) -> set[tuple[str, str]]:
    """``(table, column)`` with a validated ``CHECK (column IS NOT NULL)`` added before ``before``."""
    pending: dict[tuple[str, str], str] = {}
    done: set[tuple[str, str]] = set()
    for stmt in source.statements:
        if stmt.start >= before.start:
            break
        table = relation_name(stmt.node.get("relation"))
        for cmd in alter_cmds(stmt):
            con = cmd.get("def", {}).get("Constraint", {})
            if cmd.get("subtype") == "AT_AddConstraint" and con.get("contype") == "CONSTR_CHECK":
                column = _not_null_column(con.get("raw_expr"))
                if column is None:
                    continue
                if con.get("skip_validation"):
                    pending[(table, str(con.get("conname")))] = column
                else:
                    done.add((table, column))
            elif cmd.get("subtype") == "AT_ValidateConstraint":
                column = pending.get((table, str(cmd.get("name"))))
                if column is not None:
                    done.add((table, column))
    return done


def _not_null_column(expr: Node | None) -> str | None:
    test = (expr or {}).get("NullTest", {})
    if test.get("nulltesttype") != "IS_NOT_NULL":
        return None
    fields = test.get("arg", {}).get("ColumnRef", {}).get("fields", [])
    return str(fields[-1]["String"]["sval"]) if fields and "String" in fields[-1] else None
