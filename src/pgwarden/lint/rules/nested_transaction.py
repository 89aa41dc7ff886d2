"""nested-transaction: BEGIN inside a transaction does not nest; COMMIT ends the outer one early."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import begin_depths


def check(source: Source) -> Iterator[Hit]:
    for stmt, depth in zip(source.statements, begin_depths(source), strict=True):
        if stmt.tag != "TransactionStmt" or stmt.in_block:
            continue
        kind = stmt.node.get("kind")
        if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
            if depth > 0:
                yield Hit(
                    stmt,
                    "BEGIN inside an open transaction only warns; the first COMMIT then ends both.",
                    offset=stmt.start,
                )
            elif source.in_transaction:
                yield Hit(
                    stmt,
                    "The migration runner already wraps this file in a transaction: this BEGIN does not nest, and its COMMIT ends the runner's transaction early.",
                    offset=stmt.start,
                )


RULE = Rule(
    id="nested-transaction",
    severity=Severity.WARNING,
    problem="PostgreSQL has no nested transactions: an inner BEGIN is ignored and the inner COMMIT commits everything so far, so a later failure leaves a half-applied migration.",
    help="Remove BEGIN/COMMIT from the file (the runner adds them), or mark the file `-- pgwarden: no-transaction` and keep a single BEGIN … COMMIT.",
    bad="BEGIN;\nALTER TABLE jobs ADD COLUMN note text;\nCOMMIT;",
    good="ALTER TABLE jobs ADD COLUMN note text;",
    check=check,
)
