"""What counts as a statement that takes a heavy lock, for the timeout rules."""

from __future__ import annotations

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
    if stmt.tag == "IndexStmt":
        return not stmt.node.get("concurrent", False)
    if stmt.tag == "VacuumStmt":
        return True
    return stmt.tag in _LOCKING
