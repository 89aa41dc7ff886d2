"""disable-trigger: a migration that disables a trigger stops the rows it maintains."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, relation_name


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") in ("AT_DisableTrig", "AT_DisableTrigAll", "AT_DisableTrigUser"):
                table = relation_name(stmt.node.get("relation"))
                which = cmd.get("name") or "all triggers"
                yield Hit(
                    stmt,
                    f"Disabling {which} on {table} stops whatever they create or check, with no error anywhere.",
                    offset=stmt.start,
                    evidence={"table": table},
                )


RULE = Rule(
    id="disable-trigger",
    severity=Severity.WARNING,
    problem="A disabled trigger fails silently: the rows it should create (chat rooms, audit rows) are simply missing later.",
    help="Re-enable the trigger in the same file, or drop it on purpose and declare the change; check with `pgwarden check` that the trigger is enabled.",
    bad="ALTER TABLE bookings DISABLE TRIGGER bookings_chat;",
    good="ALTER TABLE bookings ENABLE TRIGGER bookings_chat;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
