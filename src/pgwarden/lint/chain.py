"""What the earlier files of a migrations chain leave behind, for rules that judge a file by its chain.

Linting a folder reads its files in order; a file's statements may only make sense knowing what
the files before it created (incident 004: ``CREATE TABLE IF NOT EXISTS`` skipped because an older
table of that name exists). Parsing every file twice would double the cost of a lint run, so the
chain is folded only up to the last file that holds a conditional CREATE TABLE, and only for files
that mention a table at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .model import ChainTables, Statement
from .nodes import alter_cmds, column_defs, relation_name, strings
from .parse import parse_file

__all__ = ["chain_before", "fold"]

# A necessary condition for a conditional CREATE TABLE: IF NOT EXISTS, or a DO block around it.
_CONDITIONAL = re.compile(rb"(?i)table\s+if\s+not\s+exists|\bdo\b")
_TABLE = re.compile(rb"(?i)table|\binto\b")


def chain_before(files: Sequence[Path]) -> dict[Path, ChainTables]:
    """For each file that may hold a conditional CREATE TABLE: the tables the files before it leave."""
    datas: list[bytes] = []
    for path in files:
        try:
            datas.append(path.read_bytes())
        except OSError:
            datas.append(b"")  # the lint pass reports the unreadable file
    wanted = [i for i, data in enumerate(datas) if _CONDITIONAL.search(data)]
    if not wanted:
        return {}
    state: dict[str, frozenset[str] | None] = {}
    found: dict[Path, ChainTables] = {}
    for i in range(wanted[-1] + 1):
        if i in wanted:
            found[files[i]] = dict(state)
        data = datas[i].removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        if _TABLE.search(data):
            statements, _ = parse_file(data)
            fold(state, statements)
    return found


def fold(state: dict[str, frozenset[str] | None], statements: Sequence[Statement]) -> None:
    """Apply the table-shaping statements to ``state`` (table -> columns, None when unknown)."""
    for stmt in statements:
        node = stmt.node
        if stmt.tag == "CreateStmt":
            _create(state, stmt)
        elif stmt.tag == "CreateTableAsStmt" or (stmt.tag == "SelectStmt" and "intoClause" in node):
            into = node.get("into") or node.get("intoClause") or {}
            state[relation_name(into.get("rel"))] = None
        elif stmt.tag == "AlterTableStmt":
            _alter(state, stmt)
        elif stmt.tag == "RenameStmt":
            _rename(state, node)
        elif stmt.tag == "DropStmt" and node.get("removeType") == "OBJECT_TABLE" and not stmt.conditional:
            for name in node.get("objects", ()):
                parts = strings(name.get("List", {}).get("items"))
                if parts:
                    state.pop(".".join(["public", *parts][-2:]), None)


def _create(state: dict[str, frozenset[str] | None], stmt: Statement) -> None:
    node = stmt.node
    table = relation_name(node.get("relation"))
    if (node.get("if_not_exists") or stmt.conditional) and table in state:
        return  # skipped: the earlier table stays as it was
    partial = node.get("inhRelations") or node.get("partbound") or node.get("ofTypename")
    partial = partial or any("TableLikeClause" in e for e in node.get("tableElts", ()))
    # Columns inherited, copied (LIKE) or from a type are not known without the catalog.
    state[table] = None if partial else frozenset(str(c.get("colname")) for c in column_defs(stmt))


def _alter(state: dict[str, frozenset[str] | None], stmt: Statement) -> None:
    table = relation_name(stmt.node.get("relation"))
    columns = state.get(table)
    if columns is None:
        return  # a table from outside the chain, or one whose columns are unknown
    added = {str(c.get("colname")) for c in column_defs(stmt)}
    dropped = {
        str(cmd.get("name"))
        for cmd in alter_cmds(stmt)
        if cmd.get("subtype") == "AT_DropColumn" and not stmt.conditional
    }
    state[table] = (columns | added) - dropped


def _rename(state: dict[str, frozenset[str] | None], node: Mapping[str, object]) -> None:
    relation = node.get("relation")
    table = relation_name(relation if isinstance(relation, dict) else None)
    if table not in state:
        return
    kind, new = node.get("renameType"), str(node.get("newname"))
    if kind == "OBJECT_TABLE":
        state[table.rsplit(".", 1)[0] + "." + new] = state.pop(table)
    elif kind == "OBJECT_COLUMN" and state[table] is not None:
        old = str(node.get("subname"))
        columns = state[table] or frozenset()
        if old in columns:
            state[table] = (columns - {old}) | {new}
