"""duplicate-column-assignment: the same column twice in UPDATE SET or an INSERT column list."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        if stmt.tag == "UpdateStmt":
            targets = stmt.node.get("targetList", ())
        elif stmt.tag == "InsertStmt":
            targets = stmt.node.get("cols", ())
        else:
            continue
        seen: set[str] = set()
        for target in targets:
            res = target.get("ResTarget", {})
            name = res.get("name")
            if name in seen:
                yield Hit(
                    stmt,
                    f"Column {name} is assigned twice in one statement; PostgreSQL rejects it.",
                    offset=stmt.at(res.get("location")),
                    evidence={"column": name},
                )
            elif name:
                seen.add(name)


RULE = Rule(
    id="duplicate-column-assignment",
    severity=Severity.ERROR,
    problem="`multiple assignments to same column` is an error at run time; the migration fails.",
    help="Assign each column once.",
    bad="UPDATE jobs SET status = 'done', status = 'failed' WHERE id = 1;",
    good="UPDATE jobs SET status = 'done' WHERE id = 1;",
    check=check,
)
