"""unclosed-transaction: a BEGIN without COMMIT leaves the file's changes uncommitted."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source, Statement
from ..nodes import transaction_kind, transaction_states


def check(source: Source) -> Iterator[Hit]:
    opened: Statement | None = None
    open_at_end = source.in_transaction
    for stmt, (open_, _runner) in zip(source.statements, transaction_states(source), strict=True):
        kind = transaction_kind(stmt)
        if kind == "open":
            if not open_:
                opened = stmt  # a BEGIN inside an open transaction is nested-transaction's matter
            open_at_end = True
        elif kind == "close":
            opened, open_at_end = None, False
    # In a file the runner wraps, its COMMIT closes whatever BEGIN the file left open.
    if opened is not None and open_at_end and not source.in_transaction:
        yield Hit(
            opened,
            "This BEGIN is never committed: the file's changes stay open and are rolled back when the session ends.",
            offset=opened.start,
        )


RULE = Rule(
    id="unclosed-transaction",
    severity=Severity.ERROR,
    problem="A transaction opened in a migration that runs outside the runner's transaction and never closed holds its locks until the connection ends, then rolls back.",
    help="End the file with COMMIT, or remove BEGIN and let the runner manage the transaction.",
    bad="-- pgwarden: no-transaction\nBEGIN;\nALTER TABLE jobs ADD COLUMN note text;",
    good="-- pgwarden: no-transaction\nBEGIN;\nALTER TABLE jobs ADD COLUMN note text;\nCOMMIT;",
    check=check,
    tags=frozenset({"TransactionStmt"}),
)
