"""vacuum-full-or-cluster: VACUUM FULL and CLUSTER rewrite the table with every query blocked."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        if stmt.tag == "ClusterStmt":
            yield Hit(
                stmt,
                "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait.",
                offset=stmt.start,
            )
        elif stmt.tag == "VacuumStmt":
            options = [o.get("DefElem", {}).get("defname") for o in stmt.node.get("options", ())]
            if "full" in options:
                yield Hit(
                    stmt,
                    "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait.",
                    offset=stmt.start,
                )


RULE = Rule(
    id="vacuum-full-or-cluster",
    severity=Severity.WARNING,
    problem="VACUUM FULL and CLUSTER copy the whole table while no query can read or write it.",
    help="Use pg_repack or pg_squeeze to compact a live table; plain VACUUM needs no exclusive lock.",
    bad="VACUUM FULL jobs;",
    good="VACUUM (ANALYZE) jobs;",
    check=check,
)
