"""The column names PostgreSQL gives a SELECT's outputs, for the duplicate-column rule.

Mirrors the server's naming of unaliased outputs (``FigureColname``): a column reference is named
after the column, a function call after the function, a cast after its type when the inner
expression has no name, and anything else ``?column?``. ``*`` expands to names only the schema
knows, so it yields nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Node
from ..nodes import strings

_FIXED = {
    "CaseExpr": "case",
    "A_ArrayExpr": "array",
    "RowExpr": "row",
    "CoalesceExpr": "coalesce",
    "GroupingFunc": "grouping",
}


def _name(expr: Node | None) -> tuple[str, int]:
    """``(name, strength)``: 2 for a real name, 1 for a fallback one (case, type), 0 for ``?column?``."""
    if not expr:
        return "?column?", 0
    tag, body = next(iter(expr.items()))
    if tag == "ColumnRef":
        fields = body.get("fields", [])
        last = fields[-1] if fields else {}
        if "String" in last:
            return str(last["String"].get("sval", "")), 2
        return "", -1  # t.* : names unknown here
    if tag == "FuncCall":
        return (strings(body.get("funcname")) or ["?column?"])[-1], 2
    if tag == "A_Indirection":
        names = [i["String"]["sval"] for i in body.get("indirection", []) if "String" in i]
        return (names[-1], 2) if names else _name(body.get("arg"))
    if tag == "TypeCast":
        name, strength = _name(body.get("arg"))
        if strength <= 1 and strength >= 0:
            type_names = strings(body.get("typeName", {}).get("names"))
            return (type_names[-1] if type_names else name), 1
        return name, strength
    if tag == "A_Expr" and body.get("kind") == "AEXPR_NULLIF":
        return "nullif", 2
    if tag == "MinMaxExpr":
        return ("greatest" if body.get("op") == "IS_GREATEST" else "least"), 2
    if tag == "SubLink":
        kind = body.get("subLinkType")
        if kind == "EXISTS_SUBLINK":
            return "exists", 2
        if kind == "ARRAY_SUBLINK":
            return "array", 2
        if kind == "EXPR_SUBLINK":
            inner = body.get("subselect", {}).get("SelectStmt", {})
            targets = inner.get("targetList") or []
            if targets:
                res = targets[0].get("ResTarget", {})
                return (res["name"], 2) if res.get("name") else _name(res.get("val"))
        return "?column?", 0
    if tag in _FIXED:
        return _FIXED[tag], 1
    return "?column?", 0


def output_names(select: Node | None) -> Iterator[tuple[str, object]]:
    """``(name, location)`` of each output column of a SELECT (the left branch of a UNION)."""
    node = (select or {}).get("SelectStmt", {})
    while node.get("op") not in (None, "SETOP_NONE"):
        node = node.get("larg", {})
    for target in node.get("targetList", ()):
        res = target.get("ResTarget", {})
        if res.get("name"):
            yield res["name"], res.get("location")
            continue
        name, strength = _name(res.get("val"))
        if strength < 0:
            yield "", res.get("location")  # t.* or *: this position's names are unknown
        else:
            yield name, res.get("location")
