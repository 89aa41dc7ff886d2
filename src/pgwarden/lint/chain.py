"""What the earlier files of a migrations chain leave behind, for rules that judge a file by its chain.

Linting a folder reads its files in order; a file's statements may only make sense knowing what
the files before it created (incident 004: ``CREATE TABLE IF NOT EXISTS`` skipped because an older
table of that name exists). Parsing every file twice would double the cost of a lint run, so the
engine asks only about files where a statement depends on a conditional CREATE TABLE that nothing
in the file explains, and only the earlier files that name such a table are parsed again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .model import ChainTables, Statement
from .nodes import alter_cmds, column_defs, relation_name, strings
from .parse import parse_file

__all__ = ["chain_for", "fold"]

_WORD = re.compile(rb"[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*")


def chain_for(
    files: Sequence[Path], wanted: Mapping[Path, set[str]], contents: Mapping[Path, bytes] | None = None
) -> dict[Path, ChainTables]:
    """The chain before each ``wanted`` file, for the tables (``schema.name``) it asks about.

    Only files that name one of those tables can change what is known of them, so only those
    are parsed; a wanted file whose tables no earlier file names is left out (nothing to learn).
    ``contents``: the bytes of files read already, by path.
    """
    contents = {} if contents is None else contents
    position = {path: i for i, path in enumerate(files)}
    last: dict[bytes, int] = {}
    for path, tables in wanted.items():
        for table in tables:
            name = _key(table)
            last[name] = max(last.get(name, -1), position[path])
    if not last:
        return {}
    datas: list[bytes] = []
    mentions: list[set[bytes]] = []
    for path in files[: max(last.values())]:
        data = contents.get(path, b"")
        try:
            data = (data or path.read_bytes()).removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        except OSError:
            data = b""  # the lint pass reports the unreadable file
        words = set(_WORD.findall(data.lower()))
        datas.append(data)
        # A table matters here only if a later file asks about it.
        mentions.append({name for name in words & last.keys() if len(mentions) < last[name]})
    first: dict[bytes, int] = {}
    for i, names in enumerate(mentions):
        for name in names:
            first.setdefault(name, i)
    useful = {
        path
        for path, tables in wanted.items()
        if any(first.get(_key(table), len(files)) < position[path] for table in tables)
    }
    found: dict[Path, ChainTables] = {}
    state: dict[str, frozenset[str] | None] = {}
    stop = max((position[p] for p in useful), default=-1)
    for i in range(stop + 1):
        if files[i] in useful:
            found[files[i]] = dict(state)
        if i < len(mentions) and mentions[i]:
            statements, _ = parse_file(datas[i])
            fold(state, statements)
    return found


def _key(table: str) -> bytes:
    """How a table's name shows in SQL text, lower-cased: what the word scan compares."""
    return table.rsplit(".", 1)[-1].lower().encode("utf-8")


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
