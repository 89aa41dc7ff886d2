"""The fake Bot API delivers webhooks like Telegram: secret header, retries on errors and timeouts, last error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import web
from fake_telegram import FakeTelegram

TOKEN = "929292:fake-webhook-token"


async def api(fake: FakeTelegram, method: str, **params: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.post(f"{fake.url}/bot{TOKEN}/{method}", json=params) as r:
        return dict(await r.json())


def test_delivery_retries_errors_and_timeouts_and_reports_the_last_error() -> None:
    seen: list[tuple[int, str | None]] = []
    answers = ["500", "slow", "200"]

    async def hook(request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        seen.append((update["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        answer = answers.pop(0) if answers else "200"
        if answer == "slow":
            await asyncio.sleep(1.0)  # longer than the fake's webhook timeout
        return web.Response(status=500 if answer == "500" else 200)

    async def scenario(fake: FakeTelegram) -> None:
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        refused = await api(fake, "setWebhook", url="http://bot.example.com/hook")
        assert refused["error_code"] == 400 and "HTTPS" in refused["description"]
        assert (await api(fake, "setWebhook", url=url, secret_token="abc", max_connections=1))["ok"]
        fake.add_message(TOKEN, "hello")
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while len(fake.deliveries(TOKEN)) < 1 and loop.time() < end:
            await asyncio.sleep(0.02)
        info = (await api(fake, "getWebhookInfo"))["result"]
        assert info["url"] == url and info["pending_update_count"] == 0 and info["max_connections"] == 1
        assert info["last_error_message"] == "Connection timed out" and info["last_error_date"] > 0
        polled = await api(fake, "getUpdates")
        assert polled["error_code"] == 409 and "webhook is active" in polled["description"]
        await runner.cleanup()

    with FakeTelegram(webhook_timeout=0.3, retry_delay=0.05) as fake:
        asyncio.run(scenario(fake))
        assert fake.deliveries(TOKEN) == [1]
    # Three attempts of update 1, each with the secret: a 500, a timeout, then 200.
    assert seen[:3] == [(1, "abc")] * 3
