"""missing-lock-timeout: a locking statement runs without lock_timeout."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ._lock import takes_heavy_lock

_SETTING = "lock_timeout"


def check(source: Source) -> Iterator[Hit]:
    if _SETTING in source.timeouts:
        return
    for stmt in source.statements:
        if stmt.tag == "VariableSetStmt" and stmt.node.get("name") == _SETTING:
            return
        if takes_heavy_lock(stmt):
            yield Hit(stmt, MESSAGE, offset=stmt.start)
            return


MESSAGE = (
    "No lock_timeout is set before this statement: if it waits behind a long query, "
    "every query on the table queues behind it and the service stalls."
)

RULE = Rule(
    id="missing-lock-timeout",
    severity=Severity.WARNING,
    problem="A DDL statement waiting for its lock blocks every later query on the table; without lock_timeout it waits forever.",
    help="Start the file with `-- pgwarden: lock-timeout=5s` or `SET lock_timeout = '5s';` and retry the migration when it times out.",
    bad="ALTER TABLE jobs ADD COLUMN note text;",
    good="SET lock_timeout = '5s';\nALTER TABLE jobs ADD COLUMN note text;",
    check=check,
)
