"""A local fake of the Telegram Bot API, enough for aiogram 3, python-telegram-bot 22 and pgwarden's alerts.

It runs an aiohttp server on 127.0.0.1 (free port) in a background thread with its own
event loop, so synchronous tests and tests with their own ``asyncio.run`` can both use it.

What it reproduces, because the tests depend on it:

* ``getUpdates`` long-polls: with no unconfirmed update it waits up to ``timeout`` seconds
  and answers as soon as an update arrives; ``offset`` confirms every update below it
  (a negative offset keeps only the last ``-offset`` ones), ``limit`` caps the batch.
* Two overlapping ``getUpdates`` for one token: the real Bot API server (tdlib's
  telegram-bot-api) answers the *older*, still pending request with
  ``409 Conflict: terminated by other getUpdates request; make sure that only one bot
  instance is running`` — the wording says the request that gets it was terminated by
  another one — and serves the newer request normally. The fake does exactly that and
  counts each such 409 (``conflicts()``). A request whose client has already gone away
  (cancelled, connection closed) cannot receive a 409, so it is dropped when the
  connection closes and is not counted: nobody ever sees that error.
* ``getUpdates`` while a webhook is set answers 409 "can't use getUpdates method while
  webhook is active" (also counted), as the real API does.
* ``sendMessage`` records the message (``sent()``) and returns a Message.
* ``setWebhook`` starts webhook delivery like Telegram's (tests/fake_webhook.py: secret token
  header, retries on non-2xx and timeouts, ``getWebhookInfo`` with the last error);
  ``deleteWebhook`` stops it; ``redeliver()`` queues an update again, as Telegram does when it
  did not see an answer.
* ``getMe``, ``deleteWebhook``, ``setWebhook``, ``getWebhookInfo``, ``close``, ``logOut``,
  ``setMyCommands``, ``answerCallbackQuery``; unknown methods answer 404 like the real API.
* Tokens that are not ``<digits>:<text>`` get 401 Unauthorized.

Parameters are accepted as JSON, urlencoded or multipart bodies and in the query string.
``POST /webhook/<name>`` records a JSON body (``webhooks()``) for alert tests; ``POST
/webhook-fail`` answers 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from fake_webhook import Hook, check_url, deliver
from manual_leader import ManualLeader

__all__ = ["FakeTelegram", "ManualLeader"]

T = TypeVar("T")

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_GONE_GRACE = 0.05
"""Seconds a terminated long poll waits before its 409 counts: time for a closed connection to show."""
WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")


@dataclass
class _Bot:
    bot_id: int
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    next_message_id: int = 1
    pending: asyncio.Future[str] | None = None
    conflicts: int = 0
    get_updates_calls: int = 0
    hook: Hook | None = None
    delivery: asyncio.Task[None] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return self.hook.url if self.hook is not None else ""

    def stop_delivery(self) -> None:
        if self.delivery is not None:
            self.delivery.cancel()
        self.delivery, self.hook = None, None

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def wake(self) -> None:
        self.arrived.set()
        if self.pending is not None and not self.pending.done():
            self.pending.set_result("wake")


class FakeTelegram:
    """``with FakeTelegram() as tg:`` — ``tg.url`` is the API base (aiogram ``TelegramAPIServer.from_base``;
    python-telegram-bot ``base_url(tg.url + "/bot")``)."""

    def __init__(self, *, webhook_timeout: float = 5.0, retry_delay: float = 0.2) -> None:
        self.webhook_timeout = webhook_timeout
        """Seconds a webhook has to answer before the delivery counts as failed (and is retried)."""
        self.retry_delay = retry_delay
        self._bots: dict[str, _Bot] = {}
        self._webhooks: list[tuple[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-telegram", daemon=True)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeTelegram:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._thread.start()
        self._call(self._start())

    def close(self) -> None:
        if self._runner is not None:
            self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests use --------------------------------------------------------------------

    def add_message(self, token: str, text: str, *, chat_id: int = 1000) -> int:
        """Queue a private-chat text message for the bot; returns its update_id."""
        return self._call(self._add_message(token, text, chat_id))

    def conflicts(self, token: str | None = None) -> int:
        """How many 409 Conflict answers getUpdates produced (for one token, or all)."""
        bots = [self._bots[token]] if token in self._bots else [] if token else list(self._bots.values())
        return sum(b.conflicts for b in bots)

    def sent(self, token: str) -> list[dict[str, Any]]:
        """Messages the bot sent with sendMessage: ``{"chat_id", "text"}`` each."""
        return list(self._bots[token].sent) if token in self._bots else []

    def unconfirmed(self, token: str) -> int:
        return len(self._bots[token].updates) if token in self._bots else 0

    def get_updates_calls(self, token: str) -> int:
        return self._bots[token].get_updates_calls if token in self._bots else 0

    def calls(self, token: str) -> list[str]:
        """Every method the bot called, in order."""
        return list(self._bots[token].calls) if token in self._bots else []

    def redeliver(self, token: str, update_id: int) -> None:
        """Queue update ``update_id`` once more, as Telegram does when it did not see it answered."""
        self._call(self._redeliver(token, update_id))

    def webhook_info(self, token: str) -> dict[str, Any]:
        """What getWebhookInfo answers now."""
        return self._call(self._webhook_info(token))

    def deliveries(self, token: str) -> list[int]:
        """update_id of every webhook delivery answered with 2xx, in order (redeliveries included)."""
        bot = self._bots.get(token)
        return list(bot.hook.delivered) if bot is not None and bot.hook is not None else []

    def webhooks(self) -> list[tuple[str, Any]]:
        """``(name, json_body)`` of each POST to /webhook/<name>."""
        return list(self._webhooks)

    # --- server ----------------------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_post("/webhook/{name}", self._webhook)
        app.router.add_post("/webhook-fail", self._webhook_fail)
        # handler_cancellation: a client that disconnects cancels its pending long poll.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        self._closing = True
        deliveries = [bot.delivery for bot in self._bots.values() if bot.delivery is not None]
        for bot in self._bots.values():
            bot.stop_delivery()
            bot.wake()
        await asyncio.gather(*deliveries, return_exceptions=True)
        assert self._runner is not None
        await self._runner.cleanup()

    def _bot(self, token: str) -> _Bot:
        bot = self._bots.get(token)
        if bot is None:
            bot = self._bots[token] = _Bot(bot_id=int(token.split(":", 1)[0]))
        return bot

    async def _add_message(self, token: str, text: str, chat_id: int) -> int:
        bot = self._bot(token)
        update_id = bot.next_update_id
        bot.next_update_id += 1
        message: dict[str, Any] = {
            "message_id": bot.next_message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Tester"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        bot.next_message_id += 1
        update = {"update_id": update_id, "message": message}
        bot.history[update_id] = update
        bot.updates.append(dict(update))
        bot.wake()
        return update_id

    async def _redeliver(self, token: str, update_id: int) -> None:
        bot = self._bot(token)
        bot.updates.append(dict(bot.history[update_id]))
        bot.wake()

    async def _webhook_info(self, token: str) -> dict[str, Any]:
        bot = self._bot(token)
        if bot.hook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": len(bot.updates)}
        return bot.hook.info(len(bot.updates))

    async def _webhook(self, request: web.Request) -> web.Response:
        self._webhooks.append((request.match_info["name"], await request.json()))
        return web.json_response({"ok": True})

    async def _webhook_fail(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "broken on purpose"}, status=500)

    async def _api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if not _TOKEN.match(token):
            return _error(401, "Unauthorized")
        params = await _params(request)
        bot = self._bot(token)
        bot.calls.append(method)
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(request, bot, params)
        if name == "getme":
            return _ok(_bot_user(bot))
        if name == "sendmessage":
            if "chat_id" not in params or not params.get("text"):
                return _error(400, "Bad Request: message text is empty")
            bot.sent.append({"chat_id": params["chat_id"], "text": params["text"]})
            message_id = bot.next_message_id
            bot.next_message_id += 1
            chat = params["chat_id"]
            return _ok(
                {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat if isinstance(chat, int) else -1001, "type": "private"},
                    "from": _bot_user(bot),
                    "text": params["text"],
                }
            )
        if name == "deletewebhook":
            bot.stop_delivery()
            if params.get("drop_pending_updates"):
                bot.updates.clear()
            return _ok(True)
        if name == "setwebhook":
            return self._set_webhook(bot, params)
        if name == "getwebhookinfo":
            return _ok(await self._webhook_info(token))
        if name in ("close", "logout", "setmycommands", "deletemycommands", "answercallbackquery"):
            return _ok(True)
        return _error(404, "Not Found: method not found")

    def _set_webhook(self, bot: _Bot, params: dict[str, Any]) -> web.Response:
        url = str(params.get("url") or "")
        if not url:
            bot.stop_delivery()
            return _ok(True)
        refusal = check_url(url)
        if refusal is not None:
            return _error(400, refusal)
        bot.stop_delivery()
        if params.get("drop_pending_updates"):
            bot.updates.clear()
        allowed = params.get("allowed_updates")
        bot.hook = Hook(
            url=url,
            secret_token=params.get("secret_token") or None,
            max_connections=int(params.get("max_connections") or 40),
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
        )
        bot.delivery = asyncio.create_task(
            deliver(
                bot.hook, bot.updates, bot.arrived, timeout=self.webhook_timeout, retry_delay=self.retry_delay
            )
        )
        bot.wake()  # a pending getUpdates ends; delivery starts with what is queued
        return _ok(True)

    async def _get_updates(self, request: web.Request, bot: _Bot, params: dict[str, Any]) -> web.Response:
        bot.get_updates_calls += 1
        if bot.pending is not None and not bot.pending.done():
            bot.pending.set_result("conflict")  # the older request is the one terminated
        if bot.webhook_url:
            bot.conflicts += 1
            return _error(409, WEBHOOK_CONFLICT)
        if params.get("offset") is not None:
            bot.confirm(int(params["offset"]))
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if bot.updates or loop.time() >= deadline or self._closing:
                return _ok(bot.updates[:limit])
            waiter: asyncio.Future[str] = loop.create_future()
            bot.pending = waiter
            try:
                outcome = await asyncio.wait_for(asyncio.shield(waiter), deadline - loop.time())
            except asyncio.TimeoutError:
                outcome = "timeout"
            finally:
                if bot.pending is waiter:
                    bot.pending = None
            if outcome == "conflict":
                # The newer request may arrive before the server has seen the older one's client go
                # (a poll cancelled at shutdown, then a confirming getUpdates on a new connection):
                # a moment later that handler is cancelled, and a 409 nobody receives is not counted.
                await asyncio.sleep(_GONE_GRACE)
                if request.transport is not None and not request.transport.is_closing():
                    bot.conflicts += 1
                return _error(409, CONFLICT)


def _bot_user(bot: _Bot) -> dict[str, Any]:
    return {
        "id": bot.bot_id,
        "is_bot": True,
        "first_name": "Fake",
        "username": f"fake{bot.bot_id}_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)


async def _params(request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {k: _value(v) for k, v in request.query.items()}
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                values.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                values[key] = _value(value) if isinstance(value, str) else value
    return values


def _value(text: str) -> Any:
    with contextlib.suppress(ValueError):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text[:1] and text[:1] in "[{":
        with contextlib.suppress(ValueError):
            return json.loads(text)
    return text
