"""Small readers for libpg_query JSON nodes: names, types, constraints, walking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Any

from .model import Node, Source, Statement


def strings(items: list[Any] | None) -> list[str]:
    """``[{"String": {"sval": "a"}}, …]`` -> ``["a", …]``."""
    return [i["String"].get("sval", "") for i in items or () if "String" in i]


def relation_name(rel: Node | None) -> str:
    """``{"schemaname": "s", "relname": "t"}`` -> ``s.t`` (``public.t`` without a schema)."""
    if not rel:
        return ""
    return f"{rel.get('schemaname') or 'public'}.{rel.get('relname', '')}"


def type_name(tn: Node | None) -> str:
    """The last part of a TypeName: ``int4``, ``varchar``, ``timestamp``, ``serial``."""
    if not tn:
        return ""
    names = tn.get("names")
    if names and "String" in names[-1]:
        # The last name is almost always a String; skip building the whole list.
        return str(names[-1]["String"].get("sval", "")).lower()
    found = strings(names)
    return found[-1].lower() if found else ""


def type_has_modifier(tn: Node) -> bool:
    return bool(tn.get("typmods"))


def column_defs(stmt: Statement) -> Iterator[Node]:
    """ColumnDef bodies of a CREATE TABLE or of ALTER TABLE … ADD COLUMN."""
    if stmt.tag == "CreateStmt":
        for elt in stmt.node.get("tableElts", ()):
            if "ColumnDef" in elt:
                yield elt["ColumnDef"]
    elif stmt.tag == "AlterTableStmt":
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in cmd.get("def", {}):
                yield cmd["def"]["ColumnDef"]


alter_cmds: Callable[[Statement], tuple[Node, ...]] = attrgetter("cmds")
"""The ``AlterTableCmd`` bodies of a statement (a C-level getter: rules call it for every statement)."""


def constraints(col: Node) -> Iterator[Node]:
    for c in col.get("constraints", ()):
        if "Constraint" in c:
            yield c["Constraint"]


def added_constraints(source: Source, contype: str) -> Iterator[tuple[Statement, str, Node]]:
    """``(statement, table, constraint)`` for each constraint of ``contype`` that an ALTER TABLE adds
    (``ADD CONSTRAINT`` or inline in ``ADD COLUMN``) to a table that may already hold rows."""
    for stmt in source.of("AlterTableStmt"):
        if not stmt.cmds:
            continue
        table = relation_name(stmt.node.get("relation"))
        for cmd in alter_cmds(stmt):
            found: list[Node] = []
            if cmd.get("subtype") == "AT_AddConstraint":
                found = [cmd.get("def", {}).get("Constraint", {})]
            elif cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in cmd.get("def", {}):
                found = list(constraints(cmd["def"]["ColumnDef"]))
            for con in found:
                if con.get("contype") == contype and existing(source, stmt, table):
                    yield stmt, table, con


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every ``(tag, body)`` below ``node``, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict):
                    if key[:1].isupper():
                        yield key, value
                    stack.append(value)
                elif isinstance(value, list):
                    stack.extend(value)
        elif isinstance(item, list):
            stack.extend(item)


def created_in_file(source: Source, before: Statement) -> set[str]:
    """Tables created unconditionally by statements before ``before`` in the same file."""
    return {table for table, start in _creations(source).items() if start < before.start}


_CACHE: list[tuple[Source, dict[str, int]]] = []


def _creations(source: Source) -> dict[str, int]:
    """Table -> byte offset of its first unconditional CREATE TABLE in the file (cached per file)."""
    if _CACHE and _CACHE[0][0] is source:
        return _CACHE[0][1]
    made: dict[str, int] = {}
    for stmt in source.statements:
        if stmt.tag == "CreateStmt" and not stmt.conditional and not stmt.node.get("if_not_exists"):
            made.setdefault(relation_name(stmt.node.get("relation")), stmt.start)
    _CACHE[:] = [(source, made)]
    return made


def table_rows(source: Source, table: str) -> int | None:
    """The live row estimate of ``table`` when the schema-aware mode knows it."""
    if source.tables is None:
        return None
    facts = source.tables.get(table)
    return facts.rows if facts else None


def existing(source: Source, stmt: Statement, table: str) -> bool:
    """Whether ``table`` may hold rows when ``stmt`` runs: not created earlier in this file."""
    start = _creations(source).get(table)
    if start is not None and start < stmt.start:
        return False
    # Schema-aware mode: a table absent before the file is new, hence empty.
    return source.tables is None or table in source.tables


def size_note(source: Source, table: str) -> str:
    rows = table_rows(source, table)
    if rows is None or rows < 0:
        return ""
    return f" ({table} holds about {_human(rows)} rows)"


def _human(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def transaction_kind(stmt: Statement) -> str:
    """``open``, ``close`` or ``""`` for a top-level statement that starts or ends a transaction."""
    if stmt.tag != "TransactionStmt" or stmt.in_block:
        return ""
    kind = stmt.node.get("kind", "")
    if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
        return "open"
    if kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
        return "close"
    return ""


def transaction_states(source: Source) -> list[tuple[bool, bool]]:
    """``(a transaction is open, the runner opened it)`` in force at each statement.

    PostgreSQL has one level of transaction: BEGIN inside one only warns, and the first COMMIT or
    ROLLBACK ends it whoever began it. The runner's transaction is open at the start of a file
    that does not say ``no-transaction``; an explicit COMMIT ends it early.
    """
    if _TX_CACHE and _TX_CACHE[0][0] is source:
        return _TX_CACHE[0][1]  # six rules ask, once per file
    states: list[tuple[bool, bool]] = []
    open_, runner = source.in_transaction, source.in_transaction
    for stmt in source.statements:
        states.append((open_, runner))
        kind = transaction_kind(stmt)
        if kind == "open":
            open_ = True
        elif kind == "close":
            open_, runner = False, False
    _TX_CACHE[:] = [(source, states)]
    return states


_TX_CACHE: list[tuple[Source, list[tuple[bool, bool]]]] = []


def in_transaction(source: Source) -> list[bool]:
    """Whether each statement runs inside a transaction (the runner's or an explicit BEGIN)."""
    return [state[0] for state in transaction_states(source)]


def transaction_ids(source: Source) -> list[int]:
    """A number per statement, equal for statements that run in the same transaction."""
    ids: list[int] = []
    current = 0
    for (open_, _runner), stmt in zip(transaction_states(source), source.statements, strict=True):
        if not open_ or transaction_kind(stmt):
            current += 1  # outside a transaction each statement commits alone
        ids.append(current)
    return ids
