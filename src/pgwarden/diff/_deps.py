"""Dependency order: which relations a view reads, and tables sorted so parents come first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")


@lru_cache(maxsize=1024)
def view_references(definition: str) -> frozenset[str]:
    """Qualified names of the relations a view's ``SELECT`` reads (parsed, not pattern-matched).

    The catalog prints views with an empty ``search_path``, so names are qualified;
    an unqualified one is taken to be in ``public``.
    """
    from pglast import parse_sql  # ~60 ms to import: only once a view is compared
    from pglast.parser import ParseError

    try:
        tree = parse_sql(definition)
    except ParseError:
        return frozenset()
    visitor = _range_vars()()
    visitor(tree)
    return frozenset(visitor.found)


@lru_cache(maxsize=1)
def _range_vars() -> type[Any]:
    """The visitor that collects a tree's relation names (built on first use, with pglast)."""
    from pglast import ast
    from pglast.visitors import Visitor

    class RangeVars(Visitor):  # type: ignore[misc]
        def __init__(self) -> None:
            self.found: set[str] = set()

        def visit_RangeVar(self, ancestors: object, node: ast.RangeVar) -> None:
            self.found.add(f"{node.schemaname or 'public'}.{node.relname}")

    return RangeVars


def topological(items: Iterable[T], key: Callable[[T], str], needs: Callable[[T], Iterable[str]]) -> list[T]:
    """``items`` ordered so that each comes after those it needs (by key), else by key.

    Needs outside ``items`` are ignored; a cycle is broken at the alphabetically first
    item, so the order is always defined.
    """
    pending = {key(i): i for i in items}
    done: set[str] = set()
    ordered: list[T] = []
    for root in sorted(pending):
        if root in done:
            continue
        # Iterative depth-first search: foreign-key chains can be thousands of tables deep.
        visiting = {root}
        stack = [(root, iter(sorted(needs(pending[root]))))]
        while stack:
            name, deps = stack[-1]
            for dep in deps:
                if dep in pending and dep not in done and dep not in visiting:
                    visiting.add(dep)
                    stack.append((dep, iter(sorted(needs(pending[dep])))))
                    break
            else:
                stack.pop()
                visiting.discard(name)
                done.add(name)
                ordered.append(pending[name])
    return ordered
