"""aiogram 3 under a pgwarden leader: ``await run_polling(dp, bot, warden=w)`` instead of ``dp.start_polling(bot)``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..runtime.ledger import UpdateLedger
from ._leader import Leader
from ._polling import PollingLoop, TaskSet, ledger_for, record_done
from .transaction import aiogram_data, current_update, log_failure

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.types import Update

__all__ = ["run_polling"]

log = logging.getLogger("pgwarden.integrations")


async def run_polling(
    dp: Dispatcher,
    bot: Bot,
    *,
    warden: Leader,
    polling_timeout: int = 10,
    handle_as_tasks: bool = True,
    allowed_updates: list[str] | None = None,
    tasks_concurrency_limit: int | None = None,
    close_bot_session: bool = True,
    exactly_once: bool | UpdateLedger = False,
    **kwargs: Any,
) -> None:
    """Poll Telegram with ``dp`` only while ``warden`` is active; runs until cancelled.

    Standby instances wait; on promotion (after ``warden.takeover_delay``) polling starts; on
    demotion the getUpdates in flight is allowed to finish, handler tasks are awaited, handled
    updates are confirmed, and polling stops until the next promotion. Startup and shutdown
    hooks run once, like ``Dispatcher.start_polling``. ``allowed_updates`` defaults to the
    update types the dispatcher's handlers use; other keyword arguments are contextual data
    for handlers, as with aiogram. ``exactly_once=True`` claims every update in pgwarden's ledger
    under the lease epoch first (``warden`` must be a Warden), so no update is handled twice; a
    handler taking ``pgwarden_tx`` writes with ``async with pgwarden_tx as conn:`` in the transaction
    that records its update as done (see ``pgwarden.integrations.transaction``).
    """
    from aiogram.exceptions import TelegramConflictError
    from aiogram.methods import GetUpdates, TelegramMethod

    if "bot" in kwargs:
        raise TypeError("run_polling() takes the bot as its second argument, not as bot=")
    if allowed_updates is None:
        allowed_updates = dp.resolve_used_update_types()
    workflow_data = {"dispatcher": dp, "bots": [bot], **dp.workflow_data, **kwargs}
    handler_data = {"bots": [bot], **kwargs}
    request_extra = (
        {"request_timeout": int(bot.session.timeout + polling_timeout)} if bot.session.timeout else {}
    )
    tasks = TaskSet(tasks_concurrency_limit)
    ledger = ledger_for(exactly_once, warden)

    async def fetch(offset: int | None, timeout: int, limit: int | None) -> list[Update]:
        method = GetUpdates(offset=offset, timeout=timeout, limit=limit, allowed_updates=allowed_updates)
        return await bot(method, **request_extra)

    async def process(update: Update) -> None:
        try:
            with current_update(ledger, update.update_id):
                response = await dp.feed_update(
                    bot, update, **handler_data, **aiogram_data(ledger, update.update_id)
                )
            if isinstance(response, TelegramMethod):
                await dp.silent_call_request(bot=bot, result=response)
        except Exception as exc:  # noqa: BLE001 - one failing handler must not stop polling (aiogram does the same)
            log_failure(ledger, update.update_id, exc)
        record_done(ledger, update.update_id)

    async def handle(update: Update) -> None:
        if handle_as_tasks:
            await tasks.start(lambda: process(update))
        else:
            await process(update)

    loop = PollingLoop(
        warden,
        fetch=fetch,
        handle=handle,
        update_id=lambda u: u.update_id,
        timeout=polling_timeout,
        is_conflict=lambda exc: isinstance(exc, TelegramConflictError),
        drain=tasks.wait,
        name=f"aiogram bot id={bot.id}",
        ledger=ledger,
    )
    try:
        await dp.emit_startup(bot=bot, **workflow_data)
        try:
            await loop.run()
        finally:
            await tasks.wait()
            await dp.emit_shutdown(bot=bot, **workflow_data)
    finally:
        if ledger is not None and ledger is not exactly_once:
            await ledger.close()
        if close_bot_session:
            await bot.session.close()
