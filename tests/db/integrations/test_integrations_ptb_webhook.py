"""python-telegram-bot webhook replicas (pgwarden's ASGI app under uvicorn) behind one URL: each update once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import uvicorn
from fake_telegram import FakeTelegram
from round_robin import RoundRobin
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from pgwarden.integrations._webhook import SECRET_HEADER
from pgwarden.integrations.telegram_webhook import WebhookSettings, webhook_app
from pgwarden.runtime.settings import RuntimeSettings
from pgwarden.runtime.warden import Warden

TOKEN = "737373:ptb-webhook-token"
SECRET = "ptb-secret"


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_ptb_replicas_handle_each_update_once(db_url: str) -> None:
    handled: list[tuple[str, str]] = []

    async def replica(
        name: str, fake: FakeTelegram, webhook: WebhookSettings
    ) -> tuple[Warden, uvicorn.Server, asyncio.Task[None], str]:
        warden = Warden(db_url, RuntimeSettings(name="ptbhook", ttl=3.0, check_interval=0.2))
        await warden.start()
        application: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder().token(TOKEN).base_url(f"{fake.url}/bot").updater(None).build()
        )

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.message is not None
            handled.append((name, update.message.text or ""))
            await update.message.reply_text("got it")

        application.add_handler(MessageHandler(filters.TEXT, echo))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        app = webhook_app(application, warden=warden, webhook=webhook)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        await wait_for(lambda: server.started)
        return warden, server, task, f"http://127.0.0.1:{sock.getsockname()[1]}/webhook"

    async def scenario(fake: FakeTelegram) -> None:
        proxy = await RoundRobin([]).start()
        webhook = WebhookSettings(url=proxy.url, secret_token=SECRET, allowed_updates=["message"])
        replicas = [await replica(n, fake, webhook) for n in ("a", "b")]
        proxy.upstreams.extend(r[3] for r in replicas)
        await wait_for(lambda: fake.webhook_info(TOKEN).get("url") == proxy.url)
        ids = [fake.add_message(TOKEN, f"m{i}") for i in range(20)]
        await wait_for(lambda: len(handled) == 20)
        for update_id in ids[:5]:
            fake.redeliver(TOKEN, update_id)
        await wait_for(lambda: len(fake.deliveries(TOKEN)) == 25)
        async with aiohttp.ClientSession() as s:
            async with s.post(replicas[0][3], data=b'{"update_id": 5}', headers={SECRET_HEADER: "no"}) as r:
                assert r.status == 403
            async with s.post(replicas[0][3], data=b"{", headers={SECRET_HEADER: SECRET}) as r:
                assert r.status == 400
        for warden, server, task, _ in replicas:
            server.should_exit = True
            await task
            await warden.stop()
        await proxy.close()

    with FakeTelegram(webhook_timeout=3.0, retry_delay=0.05) as fake:
        asyncio.run(scenario(fake))
        assert len(fake.sent(TOKEN)) == 20
    assert sorted(t for _, t in handled) == sorted(f"m{i}" for i in range(20))
    assert {who for who, _ in handled} == {"a", "b"}
