"""duplicate-column-assignment: one column named twice where PostgreSQL requires each once.

UPDATE SET, INSERT column lists, ON CONFLICT DO UPDATE SET, MERGE actions, CREATE TABLE columns,
and the output names of a view, materialized view, CREATE TABLE AS or SELECT INTO.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ...findings import Severity
from ..model import Hit, Node, Rule, Source, Statement
from ._colnames import output_names


def _targets(stmt: Statement) -> Iterator[tuple[str, list[Node]]]:
    """``(what, ResTarget list)`` for each list of assignments in the statement."""
    node = stmt.node
    if stmt.tag == "UpdateStmt":
        yield "UPDATE SET", node.get("targetList", [])
    elif stmt.tag == "InsertStmt":
        yield "the INSERT column list", node.get("cols", [])
        conflict = node.get("onConflictClause", {})
        if conflict.get("action") == "ONCONFLICT_UPDATE":
            yield "ON CONFLICT DO UPDATE SET", conflict.get("targetList", [])
    elif stmt.tag == "MergeStmt":
        for clause in node.get("mergeWhenClauses", ()):
            body = clause.get("MergeWhenClause", {})
            what = "MERGE … INSERT" if body.get("commandType") == "CMD_INSERT" else "MERGE … UPDATE SET"
            yield what, body.get("targetList", [])


def _assignments(stmt: Statement) -> Iterator[Hit]:
    for what, targets in _targets(stmt):
        whole: set[str] = set()
        parts: set[str] = set()
        for target in targets:
            res = target.get("ResTarget", {})
            name = res.get("name")
            if not name:
                continue
            # `SET a.x = 1, a.y = 2` and `SET a[1] = …, a[2] = …` assign parts of one column:
            # PostgreSQL accepts that; only the whole column twice (or whole and part) fails.
            partial = bool(res.get("indirection"))
            if name in whole or (not partial and name in parts):
                yield Hit(
                    stmt,
                    f"Column {name} is assigned twice in {what}; PostgreSQL rejects it: multiple assignments to same column.",
                    offset=stmt.at(res.get("location")),
                    evidence={"column": name},
                )
            (parts if partial else whole).add(name)


def _names_twice(stmt: Statement, names: Iterable[tuple[str, object]], what: str) -> Iterator[Hit]:
    seen: set[str] = set()
    for name, location in names:
        if not name:
            continue
        if name in seen:
            yield Hit(
                stmt,
                f'{what} names column "{name}" twice; PostgreSQL rejects it: column "{name}" specified more than once.',
                offset=stmt.at(location),
                evidence={"column": name},
            )
        seen.add(name)


def _with_aliases(query_names: list[tuple[str, object]], aliases: list[Node]) -> list[tuple[str, object]]:
    """Output names after an explicit column list (``CREATE VIEW v (a, b) AS …``) renames the first ones."""
    given = [a["String"].get("sval", "") for a in aliases if "String" in a]
    named = [(n, None) for n in given]
    return named + query_names[len(given) :]


def _relation_names(stmt: Statement) -> Iterator[Hit]:
    node = stmt.node
    if stmt.tag == "CreateStmt":
        cols = [e["ColumnDef"] for e in node.get("tableElts", ()) if "ColumnDef" in e]
        names = [(str(c.get("colname", "")), c.get("location")) for c in cols]
        yield from _names_twice(stmt, names, "CREATE TABLE")
    elif stmt.tag == "ViewStmt":
        names = _with_aliases(list(output_names(node.get("query"))), node.get("aliases", []))
        yield from _names_twice(stmt, names, "The view")
    elif stmt.tag == "CreateTableAsStmt":
        into = node.get("into", {})
        names = _with_aliases(list(output_names(node.get("query"))), into.get("colNames", []))
        what = "The materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "CREATE TABLE AS"
        yield from _names_twice(stmt, names, what)
    elif stmt.tag == "SelectStmt" and "intoClause" in node:
        names = _with_aliases(
            list(output_names({"SelectStmt": node})), node["intoClause"].get("colNames", [])
        )
        yield from _names_twice(stmt, names, "SELECT … INTO")


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        if stmt.tag in ("UpdateStmt", "InsertStmt", "MergeStmt"):
            yield from _assignments(stmt)
        elif stmt.tag in ("CreateStmt", "ViewStmt", "CreateTableAsStmt", "SelectStmt"):
            yield from _relation_names(stmt)


RULE = Rule(
    id="duplicate-column-assignment",
    severity=Severity.ERROR,
    problem="A column assigned twice (UPDATE, INSERT, ON CONFLICT, MERGE) or defined twice (CREATE TABLE, a view's or CREATE TABLE AS's output names) is an error at run time; the migration fails.",
    help="Assign or define each column once; give a view's computed outputs distinct names with AS.",
    bad="UPDATE jobs SET status = 'done', status = 'failed' WHERE id = 1;",
    good="UPDATE jobs SET status = 'done' WHERE id = 1;",
    check=check,
    tags=frozenset(
        {"UpdateStmt", "InsertStmt", "MergeStmt", "CreateStmt", "ViewStmt", "CreateTableAsStmt", "SelectStmt"}
    ),
)
