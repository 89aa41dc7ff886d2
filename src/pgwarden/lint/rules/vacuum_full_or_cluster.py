"""vacuum-full-or-cluster: VACUUM FULL and CLUSTER rewrite the table with every query blocked."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Node, Rule, Source


def _on(option: Node, name: str) -> bool:
    """Whether ``option`` turns ``name`` on: ``FULL``, ``FULL TRUE``, ``FULL 1`` (not ``FULL FALSE``)."""
    if option.get("defname") != name:
        return False
    arg = option.get("arg")
    if not arg:
        return True
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))  # the parse tree leaves out ival for 0
    value = arg.get("String", arg.get("Boolean", {})).get("sval", arg.get("Boolean", {}).get("boolval", True))
    return str(value).lower() not in ("false", "off", "no")


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        if stmt.tag == "ClusterStmt":
            yield Hit(
                stmt,
                "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait.",
                offset=stmt.start,
            )
        elif stmt.tag == "VacuumStmt" and any(
            _on(o.get("DefElem", {}), "full") for o in stmt.node.get("options", ())
        ):
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
    tags=frozenset({"ClusterStmt", "VacuumStmt"}),
)
