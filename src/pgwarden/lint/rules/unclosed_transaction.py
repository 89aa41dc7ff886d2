"""unclosed-transaction: a BEGIN without COMMIT leaves the file's changes uncommitted."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import begin_depths


def check(source: Source) -> Iterator[Hit]:
    depths = begin_depths(source)
    opened = None
    for stmt, depth in zip(source.statements, depths, strict=True):
        if stmt.tag == "TransactionStmt" and not stmt.in_block:
            kind = stmt.node.get("kind")
            if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START") and depth == 0:
                opened = stmt
            elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK") and depth <= 1:
                opened = None
    if opened is not None:
        yield Hit(
            opened,
            "This BEGIN is never committed: the file's changes stay open and are rolled back when the session ends.",
            offset=opened.start,
        )


RULE = Rule(
    id="unclosed-transaction",
    severity=Severity.ERROR,
    problem="A transaction opened in a migration and never closed holds its locks until the connection ends, then rolls back.",
    help="End the file with COMMIT, or remove BEGIN and let the runner manage the transaction.",
    bad="BEGIN;\nALTER TABLE jobs ADD COLUMN note text;",
    good="BEGIN;\nALTER TABLE jobs ADD COLUMN note text;\nCOMMIT;",
    check=check,
)
