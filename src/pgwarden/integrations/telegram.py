"""python-telegram-bot under a pgwarden leader: ``await run_application(app, warden=w)`` instead of ``app.run_polling()``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..runtime.ledger import UpdateLedger
from ._leader import Leader
from ._polling import PollingLoop, ledger_for, record_done
from .transaction import current_update, log_failure

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import Application

__all__ = ["run_application"]

log = logging.getLogger("pgwarden.integrations")


async def run_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    warden: Leader,
    timeout: int | dt.timedelta = 10,
    poll_interval: float = 0.0,
    allowed_updates: Sequence[str] | None = None,
    exactly_once: bool | UpdateLedger = False,
) -> None:
    """Run ``app`` and poll Telegram only while ``warden`` is active; runs until cancelled.

    The application is initialised and started once (``post_init``, ``post_stop`` and
    ``post_shutdown`` run as with ``Application.run_polling``), so job queues and
    persistence work on standby instances too; only fetching updates follows leadership. On
    promotion (after ``warden.takeover_delay``) the webhook is deleted and polling starts; on
    demotion the getUpdates in flight is allowed to finish, handled updates are confirmed, and
    polling stops until the next promotion. ``app.updater`` is not used. ``exactly_once=True``
    claims every update in pgwarden's ledger under the lease epoch first (``warden`` must be a
    Warden), so no update is handled twice; a handler's ``async with update_transaction() as conn:``
    (``pgwarden.integrations.transaction``) writes in the transaction that records its update as done.
    """
    from telegram.error import Conflict

    seconds = int(timeout.total_seconds()) if isinstance(timeout, dt.timedelta) else int(timeout)
    allowed = list(allowed_updates) if allowed_updates is not None else None
    ledger = ledger_for(exactly_once, warden)

    async def fetch(offset: int | None, wait: int, limit: int | None) -> tuple[Update, ...]:
        updates: tuple[Update, ...] = await app.bot.get_updates(
            offset=offset, timeout=wait, limit=limit if limit is not None else 100, allowed_updates=allowed
        )
        return updates

    async def handle(update: Update) -> None:
        try:
            with current_update(ledger, update.update_id):
                await app.process_update(update)
        except Exception as exc:  # noqa: BLE001 - one failing update must not stop polling
            log_failure(ledger, update.update_id, exc)
        record_done(ledger, update.update_id)

    async def on_active() -> None:
        # A webhook left behind would make every getUpdates fail with 409; run_polling deletes it too.
        await app.bot.delete_webhook()

    loop = PollingLoop(
        warden,
        fetch=fetch,
        handle=handle,
        update_id=lambda u: u.update_id,
        timeout=seconds,
        is_conflict=lambda exc: isinstance(exc, Conflict),
        on_active=on_active,
        poll_interval=poll_interval,
        name="python-telegram-bot application",
        ledger=ledger,
    )
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        try:
            await loop.run()
        finally:
            if app.running:
                await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        if ledger is not None and ledger is not exactly_once:
            await ledger.close()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
