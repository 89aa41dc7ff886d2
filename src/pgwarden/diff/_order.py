"""Dependency order among the objects a script creates and drops: functions that call functions.

Built from the model's own references (the parse of SQL-standard bodies), never from a fixed
order by name: a function is created after the functions its body calls, and dropped before them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..catalog.model import Function
from ._deps import topological


@lru_cache(maxsize=1)
def _calls() -> type[Any]:
    """The visitor that collects the functions a tree calls (built on first use: pglast costs
    ~60 ms to import, paid only when a function's definition is parsed)."""
    from pglast import ast
    from pglast.visitors import Visitor

    class Calls(Visitor):  # type: ignore[misc]
        def __init__(self) -> None:
            self.found: set[str] = set()

        def visit_FuncCall(self, ancestors: object, node: ast.FuncCall) -> None:
            parts = [getattr(n, "sval", "") for n in node.funcname or ()]
            if len(parts) == 1:
                parts = ["public", *parts]
            self.found.add(".".join(parts[-2:]))

    return Calls


@lru_cache(maxsize=1024)
def function_calls(definition: str) -> frozenset[str]:
    """``schema.name`` of the functions a definition calls (parsed; a body in a string is opaque).

    ``pg_get_functiondef`` prints a SQL-standard body (``RETURN ..``, ``BEGIN ATOMIC``) as
    parsed SQL with qualified names: the only bodies the server checks at creation whatever
    ``check_function_bodies`` says. Quoted bodies (``AS $$ .. $$``) are left alone.
    """
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        tree = parse_sql(definition)
    except ParseError:
        return frozenset()
    visitor = _calls()()
    visitor(tree)
    return frozenset(visitor.found)


def functions_in_order(functions: Iterable[Function]) -> list[Function]:
    """``functions`` with every function after those (of the same set) it calls."""
    items = list(functions)
    by_name: dict[str, list[str]] = {}
    for f in items:
        by_name.setdefault(f"{f.schema}.{f.name}", []).append(f.qualname)

    def needs(f: Function) -> set[str]:
        return {q for call in function_calls(f.definition) for q in by_name.get(call, ()) if q != f.qualname}

    return topological(items, key=lambda f: f.qualname, needs=needs)
