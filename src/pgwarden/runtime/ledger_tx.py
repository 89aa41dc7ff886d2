"""A handler's database work and its update's done record in one transaction (``UpdateLedger.handling``).

The batched ``finish`` records an update as done after its handler returned, in another
transaction: a process killed or frozen between the two leaves effects committed and the claim
unfinished, and whoever retakes the claim handles the update again. Here the handler writes on the
ledger's connection inside a transaction whose last statement is the done record
(``sql/ledger_done_tx.sql``, fenced by the claim's holder and epoch), so both commit or neither does:

- committed: the update is done; a retake finds it done (``DUPLICATE``);
- the claim was retaken, or the lease moved on (a fenced claim): the record matches no row,
  ``UpdateTakenOver`` is raised and the handler's writes roll back; the update is left to its new
  holder (or to this process's retake, once it is delivered again);
- the connection is lost before or during COMMIT (a kill, a PostgreSQL restart): nothing is
  committed, or both are; the claim is left for a retake, which finds it done or handles it once.

An exception of the handler's own rolls its writes back and counts as a failed handler, as without
the transaction: the update is recorded done by ``finish`` and not handled again. Effects outside
the database (a sendMessage) are not in the transaction: for them the at-least-once window stays.
One transaction on one connection, no session state, no prepared statements: fine through
PgBouncer in transaction mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import psycopg
from psycopg.pq import TransactionStatus

from ..errors import DatabaseUnreachable
from ..urls import describe
from .connection import AsyncConn, sql_text

if TYPE_CHECKING:
    from .ledger import UpdateLedger

__all__ = ["UpdateTakenOver", "handling"]

log = logging.getLogger("pgwarden.runtime")

_KEEP_IDLE = 4
"""Connections kept for reuse after a burst of concurrent handlers (each held one): the rest are closed."""
_DONE_AND_COMMIT = (sql_text("ledger_done_tx.sql").rstrip().rstrip(";") + ";\nCOMMIT").encode()


class UpdateTakenOver(RuntimeError):
    """The update's claim is no longer this holder's (or its epoch no longer the lease's): rolled back."""


@contextlib.asynccontextmanager
async def handling(ledger: UpdateLedger, update_id: int) -> AsyncIterator[AsyncConn]:
    """A transaction for ``update_id``'s handler; its done record commits with the handler's writes."""
    epoch = ledger.claimed_epoch(update_id)
    try:
        conn = await ledger._connect()  # from the pool, outside the claim slots: held as long as the handler
    except BaseException:
        ledger.settled(update_id, committed=False)  # nothing was done: not to be recorded as done
        raise
    committed = False
    params = {"name": ledger.name, "update_id": update_id, "holder": ledger.holder, "epoch": epoch}
    try:
        await conn.execute(b"BEGIN")
        try:
            yield conn
        except asyncio.CancelledError:
            raise  # the connection is closed below: it may be mid-statement
        except BaseException:
            await _rollback(conn)
            raise
        try:
            # The done record and COMMIT in one round trip (client-side binding, one query string): a
            # process frozen between the two would hold the claim's row, and the lease row's share lock,
            # until it resumed, stalling its successor's claims and takeover.
            await psycopg.AsyncClientCursor(conn).execute(_DONE_AND_COMMIT, params)
        except psycopg.errors.DivisionByZero:  # ledger_done_tx.sql's "no row matched"
            await _rollback(conn)
            raise UpdateTakenOver(
                f"Update {update_id} of {ledger.name!r} was taken over while its handler ran here "
                "(or this instance was deposed): its writes were rolled back."
            ) from None
        committed = True
    except UpdateTakenOver as exc:
        log.warning("%s", exc)
        ledger.settled(update_id, committed=False)
        raise
    except (psycopg.OperationalError, DatabaseUnreachable) as exc:
        if not (conn.closed or conn.broken):
            raise  # the handler's own failure (a statement timeout, ...): a failed handler, recorded done
        ledger.settled(update_id, committed=False)
        raise DatabaseUnreachable(
            f"The connection to {describe(ledger.url)} was lost while update {update_id} was handled "
            f"({type(exc).__name__}): it is handled again once retaken, or was committed whole."
        ) from exc
    except asyncio.CancelledError:
        ledger.settled(update_id, committed=False)
        await conn.close()  # the session may be mid-statement: not handed out again
        raise
    finally:
        if committed:
            ledger.settled(update_id, committed=True)
        idle = not conn.closed and not conn.broken and conn.info.transaction_status == TransactionStatus.IDLE
        if idle and len(ledger._idle) < _KEEP_IDLE:
            ledger._idle.append(conn)
        elif not conn.closed:
            await conn.close()


async def _rollback(conn: AsyncConn) -> None:
    if not conn.closed and not conn.broken:
        with contextlib.suppress(psycopg.OperationalError):  # lost meanwhile: the server rolls back itself
            await conn.execute(b"ROLLBACK")
