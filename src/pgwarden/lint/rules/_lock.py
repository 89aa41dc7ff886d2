"""What counts as a statement that takes a heavy lock, for the timeout rules."""

from __future__ import annotations

from typing import Any

from ..model import Statement

_LOCKING = {
    "AlterTableStmt",
    "RenameStmt",
    "DropStmt",
    "TruncateStmt",
    "CreateTrigStmt",
    "AlterEnumStmt",
    "AlterDomainStmt",
    "CreateDomainStmt",
    "ClusterStmt",
    "ReindexStmt",
    "DropdbStmt",
}


def takes_heavy_lock(stmt: Statement) -> bool:
    if stmt.tag == "LockStmt":
        return True
    if stmt.tag == "CreateStmt":
        # REFERENCES parent takes SHARE ROW EXCLUSIVE on the parent, which waits for its writers.
        return _references(stmt.node)
    if stmt.tag == "IndexStmt":
        return not stmt.node.get("concurrent", False)
    if stmt.tag == "VacuumStmt":
        return True
    return stmt.tag in _LOCKING


def _references(node: dict[str, Any]) -> bool:
    for elt in node.get("tableElts", ()):
        found = [elt["Constraint"]] if "Constraint" in elt else []
        for con in elt.get("ColumnDef", {}).get("constraints", ()):
            found.append(con.get("Constraint", {}))
        if any(c.get("contype") == "CONSTR_FOREIGN" for c in found):
            return True
    return False
