"""detach-partition-without-concurrently: DETACH PARTITION locks the parent table."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds

_OLD = " PostgreSQL {} has no DETACH … CONCURRENTLY (14+): set lock_timeout and detach at a quiet time."


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            part = cmd.get("def", {}).get("PartitionCmd", {})
            if cmd.get("subtype") == "AT_DetachPartition" and not part.get("concurrent"):
                yield Hit(
                    stmt,
                    "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the parent table."
                    + _OLD.format(source.postgres_version) * (source.postgres_version < 14),
                    offset=stmt.start,
                )


RULE = Rule(
    id="detach-partition-without-concurrently",
    severity=Severity.WARNING,
    problem="Detaching a partition blocks every query on the partitioned table until it finishes.",
    help="Use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+) outside a transaction.",
    bad="ALTER TABLE events DETACH PARTITION events_2023;",
    good="-- pgwarden: no-transaction\nALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
