"""aiogram 3 webhook bots under a pgwarden leader: ``setup_webhook(app, dp, bot, warden=w, webhook=...)``.

It takes the place of aiogram's ``SimpleRequestHandler`` on an aiohttp application: every replica
serves the webhook path, only the active instance calls ``setWebhook``, and each update is
claimed in pgwarden's ledger before ``dp.feed_update`` runs, so with several replicas behind one
URL, Telegram's redeliveries and takeovers, no update is handled twice (``exactly_once=True``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..runtime.ledger import UpdateLedger
from ._leader import Leader
from ._polling import ledger_for
from ._webhook import SECRET_HEADER, WebhookGate, WebhookSettings, own_webhook
from .transaction import aiogram_data

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiohttp import web

__all__ = ["WebhookSettings", "setup_webhook"]

log = logging.getLogger("pgwarden.integrations")


def setup_webhook(
    app: web.Application,
    dp: Dispatcher,
    bot: Bot,
    *,
    warden: Leader,
    webhook: WebhookSettings,
    path: str = "/webhook",
    exactly_once: bool | UpdateLedger = True,
    close_bot_session: bool = True,
    **kwargs: Any,
) -> WebhookGate:
    """Serve ``webhook`` for ``dp`` at ``path`` of ``app``; the active ``warden`` owns ``setWebhook``.

    Requests without the right secret token get 403, oversized bodies 413, bodies that are not a
    Telegram update 400; a replica that is not ready (schema gate) answers 503 so Telegram delivers
    again, to another replica. Startup and shutdown hooks of ``dp`` run with the application's.
    Other keyword arguments are contextual data for handlers, as with aiogram.
    """
    from aiogram.methods import TelegramMethod
    from aiogram.types import Update
    from aiohttp import web
    from pydantic import ValidationError

    ledger = ledger_for(exactly_once, warden)
    gate = WebhookGate(webhook, ledger)
    allowed = list(webhook.allowed_updates) if webhook.allowed_updates is not None else None

    async def set_webhook() -> None:
        await bot.set_webhook(
            url=webhook.url,
            secret_token=webhook.secret_token,
            allowed_updates=allowed if allowed is not None else dp.resolve_used_update_types(),
            max_connections=webhook.max_connections,
        )

    own_webhook(warden, set_webhook, name=f"aiogram bot id={bot.id}")

    async def receive(request: web.Request) -> web.Response:
        secret = request.headers.get(SECRET_HEADER)
        early = gate.admit(secret, request.content_length, None)
        if early.status != 200:
            return web.Response(status=early.status, text=early.text)
        if not getattr(warden, "ready", True):
            return web.Response(status=503, text="this replica is not ready; deliver again later")
        body = await request.content.read(webhook.max_body + 1)
        answer = gate.admit(secret, None, body)
        if answer.update is None:
            return web.Response(status=answer.status, text=answer.text)
        try:
            update = Update.model_validate(answer.update, context={"bot": bot})
        except ValidationError:
            log.warning("webhook: refused update %s: not a valid Telegram update", answer.update["update_id"])
            return web.Response(status=400, text="the body is not a valid Telegram update")

        async def handle() -> None:
            response = await dp.feed_update(bot, update, **kwargs, **aiogram_data(ledger, update.update_id))
            if isinstance(response, TelegramMethod):
                await dp.silent_call_request(bot=bot, result=response)

        result = await gate.run(answer.update, handle)
        return web.Response(status=result.status, text=result.text)

    workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data, **kwargs}

    async def on_startup(_: web.Application) -> None:
        await dp.emit_startup(bot=bot, **workflow)

    async def on_shutdown(_: web.Application) -> None:
        await dp.emit_shutdown(bot=bot, **workflow)
        if ledger is not None and ledger is not exactly_once:
            await ledger.close()
        if close_bot_session:
            await bot.session.close()

    app.router.add_post(path, receive)
    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return gate
