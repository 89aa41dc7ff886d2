"""python-telegram-bot webhook bots under a pgwarden leader: an ASGI application instead of ``app.run_webhook()``.

``webhook_app(application, warden=w, webhook=WebhookSettings(...))`` returns a Starlette
application to serve with any ASGI server (uvicorn, hypercorn) on every replica. Its lifespan
initialises and starts ``application`` once (``post_init``, ``post_stop``, ``post_shutdown`` run
as with ``run_webhook``); only the active instance calls ``setWebhook``; each update is claimed
in pgwarden's ledger before ``application.process_update`` runs (``exactly_once=True``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..runtime.ledger import UpdateLedger
from ._leader import Leader
from ._polling import ledger_for
from ._webhook import SECRET_HEADER, WebhookGate, WebhookSettings, own_webhook

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from telegram.ext import Application

__all__ = ["WebhookSettings", "webhook_app"]

log = logging.getLogger("pgwarden.integrations")


def webhook_app(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    warden: Leader,
    webhook: WebhookSettings,
    path: str = "/webhook",
    exactly_once: bool | UpdateLedger = True,
) -> Starlette:
    """An ASGI application serving ``webhook`` for ``application`` at ``path``.

    Requests without the right secret token get 403, oversized bodies 413, bodies that are not a
    Telegram update 400; a replica that is not ready answers 503 so Telegram delivers again.
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from telegram import Update

    ledger = ledger_for(exactly_once, warden)
    gate = WebhookGate(webhook, ledger)

    async def set_webhook() -> None:
        await application.bot.set_webhook(
            url=webhook.url,
            secret_token=webhook.secret_token,
            allowed_updates=list(webhook.allowed_updates) if webhook.allowed_updates is not None else None,
            max_connections=webhook.max_connections,
        )

    own_webhook(warden, set_webhook, name="python-telegram-bot application")

    async def receive(request: Request) -> PlainTextResponse:
        secret = request.headers.get(SECRET_HEADER)
        length = request.headers.get("content-length")
        early = gate.admit(secret, int(length) if length and length.isdigit() else None, None)
        if early.status != 200:
            return PlainTextResponse(early.text, status_code=early.status)
        if not getattr(warden, "ready", True):
            return PlainTextResponse("this replica is not ready; deliver again later", status_code=503)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > webhook.max_body:
                break
        answer = gate.admit(secret, None, bytes(body))
        if answer.update is None:
            return PlainTextResponse(answer.text, status_code=answer.status)
        try:
            update = Update.de_json(answer.update, application.bot)
        except (KeyError, TypeError, ValueError):
            log.warning("webhook: refused update %s: not a valid Telegram update", answer.update["update_id"])
            return PlainTextResponse("the body is not a valid Telegram update", status_code=400)

        async def handle() -> None:
            await application.process_update(update)

        result = await gate.run(answer.update, handle)
        return PlainTextResponse(result.text, status_code=result.status)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            yield
        finally:
            if application.running:
                await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
            if ledger is not None and ledger is not exactly_once:
                await ledger.close()
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)

    return Starlette(routes=[Route(path, receive, methods=["POST"])], lifespan=lifespan)
