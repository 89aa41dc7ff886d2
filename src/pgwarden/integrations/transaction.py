"""A handler's database work in its update's ledger transaction: ``async with update_transaction() as conn``.

With ``exactly_once`` the integrations claim each update before its handler runs. A handler that
writes on ``conn`` inside ``update_transaction()`` (aiogram handlers may take the same thing as the
``pgwarden_tx`` argument) commits those writes and the update's done record in one transaction:
a kill, a freeze or a takeover between the two can no longer make the successor handle the update
again. Effects outside the database (a sendMessage) are not in it and keep the at-least-once window.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from ..runtime.connection import AsyncConn
from ..runtime.ledger import UpdateLedger

__all__ = ["aiogram_data", "current_update", "log_failure", "update_transaction"]

log = logging.getLogger("pgwarden.integrations")

_CURRENT: ContextVar[tuple[UpdateLedger, int] | None] = ContextVar("pgwarden_update", default=None)


def update_transaction() -> contextlib.AbstractAsyncContextManager[AsyncConn]:
    """The transaction of the update this handler runs for; its done record commits with the handler's writes.

    Only inside a handler run by a pgwarden integration with ``exactly_once`` (the default in webhook
    mode), and once per update. ``UpdateTakenOver`` (the claim moved on: rolled back) and
    ``DatabaseUnreachable`` (the connection was lost: rolled back, or committed whole) propagate;
    the update is then not confirmed, and is handled again only if nothing was committed.
    """
    current = _CURRENT.get()
    if current is None:
        raise RuntimeError(
            "update_transaction() works inside a handler run by a pgwarden integration with "
            "exactly_once=True (run_polling, run_application, setup_webhook, webhook_app)."
        )
    ledger, update_id = current
    return ledger.handling(update_id)


@contextlib.contextmanager
def current_update(ledger: UpdateLedger | None, update_id: int) -> Iterator[None]:
    """While a handler runs for ``update_id``: what ``update_transaction()`` answers (nothing without a ledger)."""
    if ledger is None:
        yield
        return
    token = _CURRENT.set((ledger, update_id))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def aiogram_data(ledger: UpdateLedger | None, update_id: int) -> dict[str, Any]:
    """Handler data for aiogram: ``pgwarden_tx``, the update's ledger transaction (with a ledger only)."""
    return {} if ledger is None else {"pgwarden_tx": ledger.handling(update_id)}


def log_failure(ledger: UpdateLedger | None, update_id: int, exc: Exception) -> None:
    """A handler failed: its own bug (with the traceback), or its transaction rolled back (one line)."""
    if ledger is not None and update_id in ledger.retry:
        log.warning("update %s is handled again later: %s", update_id, exc)
    else:
        log.error("update %s failed in its handler", update_id, exc_info=exc)
