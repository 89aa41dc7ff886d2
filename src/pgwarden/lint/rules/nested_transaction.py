"""nested-transaction: BEGIN inside a transaction does not nest; a stray COMMIT ends the runner's early."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import transaction_kind, transaction_states


def check(source: Source) -> Iterator[Hit]:
    kinds = [transaction_kind(stmt) for stmt in source.statements]
    states = transaction_states(source)
    for i, (stmt, kind, (open_, runner)) in enumerate(zip(source.statements, kinds, states, strict=True)):
        if kind == "open" and open_:
            if runner:
                message = "The migration runner already wraps this file in a transaction: this BEGIN does not nest, and its COMMIT ends the runner's transaction early."
            else:
                message = "BEGIN inside an open transaction only warns; the first COMMIT then ends both."
            yield Hit(stmt, message, offset=stmt.start)
        elif kind == "close" and runner and "open" not in kinds[i + 1 :]:
            # `COMMIT; CREATE INDEX CONCURRENTLY …; BEGIN;` steps out of the runner's transaction on
            # purpose and back in; a COMMIT or ROLLBACK with no BEGIN after it is a leftover.
            yield Hit(
                stmt,
                "The migration runner wraps this file in a transaction: this ends it early, so the statements after it run without one and the runner's own COMMIT finds nothing to commit.",
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
    tags=frozenset({"TransactionStmt"}),
)
