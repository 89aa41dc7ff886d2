"""What an Alembic revision's ``upgrade()`` creates, read from its syntax tree (nothing is imported or run).

``pgwarden check`` says "run `migrate up`" instead of offering live SQL for an object a pending
revision creates. Importing Alembic for that would cost the warm check half a second; the
``op`` calls a revision makes are plain enough to read with ``ast``:

* ``op.create_table("t", sa.Column("c", ...))`` creates ``t`` and ``t.c``;
* ``op.add_column("t", sa.Column("c", ...))`` creates ``t.c``;
* ``op.create_index``, ``create_unique_constraint``, ``create_foreign_key``,
  ``create_check_constraint``, ``create_primary_key`` create the name they are given (``op.f("ix")`` too);
* ``op.alter_column("t", "old", new_column_name="c")`` creates ``t.c`` and ``op.rename_table("old", "t")``
  creates ``t``: the name a rename finding expects (incident 000's fix is such a revision);
* ``op.execute("...")`` (or ``sa.text("...")``) runs SQL, kept as text for a whole-word match.

A name built at run time is not seen; the finding then keeps its SQL, as before.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Created", "created"]

_NAMED = {
    "create_index": "index_name",
    "create_unique_constraint": "constraint_name",
    "create_foreign_key": "constraint_name",
    "create_check_constraint": "constraint_name",
    "create_primary_key": "constraint_name",
    "create_exclude_constraint": "constraint_name",
}
_TABLE_AT = {"create_table": 0, "add_column": 0}


@dataclass
class Created:
    """Names ``upgrade()`` creates (``t``, ``t.c``, ``ix_name``, lower case) and the SQL it executes."""

    names: set[str] = field(default_factory=set)
    sql: list[str] = field(default_factory=list)


def created(path: Path) -> Created:
    """What the revision at ``path`` creates; empty when it cannot be read or parsed."""
    found = Created()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return found
    roots: list[ast.AST] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"]
    for root in roots or [tree]:
        for node in ast.walk(root):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                _call(node, node.func.attr, found)
    return found


def _text(node: ast.expr | None) -> str | None:
    """A literal string, also through ``op.f("x")`` and ``sa.text("x")``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and node.args and _callee(node) in ("f", "text", "quoted_name"):
        return _text(node.args[0])
    return None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _arg(node: ast.Call, at: int, keyword: str) -> str | None:
    for kw in node.keywords:
        if kw.arg == keyword:
            return _text(kw.value)
    return _text(node.args[at]) if len(node.args) > at else None


def _keyword(node: ast.Call, keyword: str) -> str | None:
    return next((_text(kw.value) for kw in node.keywords if kw.arg == keyword), None)


def _call(node: ast.Call, method: str, found: Created) -> None:
    if method == "execute":
        sql = _arg(node, 0, "sqltext")
        if sql:
            found.sql.append(sql)
    elif method in _NAMED:
        name = _arg(node, 0, _NAMED[method])
        if name:
            found.names.add(name.lower())
    elif method == "alter_column":
        table, column = _arg(node, 0, "table_name"), _keyword(node, "new_column_name")
        if table and column:
            found.names.add(f"{table}.{column}".lower())
    elif method == "rename_table":
        new = _arg(node, 1, "new_table_name")
        if new:
            found.names.add(new.lower())
    elif method in _TABLE_AT:
        table = _arg(node, 0, "table_name")
        if not table:
            return
        if method == "create_table":
            found.names.add(table.lower())
        for arg in [*node.args[1:], *(kw.value for kw in node.keywords if kw.arg == "column")]:
            if isinstance(arg, ast.Call) and _callee(arg) == "Column":
                column = _arg(arg, 0, "name")
                if column:
                    found.names.add(f"{table}.{column}".lower())
