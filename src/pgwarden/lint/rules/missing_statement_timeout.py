"""missing-statement-timeout: a locking statement runs without statement_timeout."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ._lock import takes_heavy_lock

_SETTING = "statement_timeout"


def check(source: Source) -> Iterator[Hit]:
    if _SETTING in source.timeouts:
        return
    for stmt in source.statements:
        if stmt.tag == "VariableSetStmt" and stmt.node.get("name") == _SETTING:
            return
        if takes_heavy_lock(stmt):
            yield Hit(stmt, MESSAGE, offset=stmt.start)
            return


MESSAGE = "No statement_timeout is set before this statement: a slow rewrite or scan can hold its lock for as long as it takes."

RULE = Rule(
    id="missing-statement-timeout",
    severity=Severity.WARNING,
    problem="Without statement_timeout a migration that rewrites or scans a large table holds heavy locks for an unbounded time.",
    help="Start the file with `-- pgwarden: statement-timeout=1min` or `SET statement_timeout = '1min';`.",
    bad="ALTER TABLE jobs ADD COLUMN note text;",
    good="SET statement_timeout = '1min';\nALTER TABLE jobs ADD COLUMN note text;",
    check=check,
)
