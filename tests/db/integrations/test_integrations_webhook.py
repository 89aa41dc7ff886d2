"""Three aiogram webhook replicas behind one round-robin URL, real Wardens and ledger, the fake Bot API delivering."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiohttp import web
from fake_telegram import FakeTelegram
from round_robin import RoundRobin

from pgwarden.errors import ConfigError
from pgwarden.integrations._webhook import SECRET_HEADER
from pgwarden.integrations.aiogram_webhook import WebhookSettings, setup_webhook
from pgwarden.runtime.settings import RuntimeSettings
from pgwarden.runtime.warden import Warden

TOKEN = "717171:webhook-test-token"
SECRET = "s3cret-token_for-tests"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(webhook_timeout=3.0, retry_delay=0.05) as fake:
        yield fake


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@dataclass
class Replica:
    name: str
    warden: Warden
    runner: web.AppRunner
    url: str


def test_three_replicas_handle_each_update_once(db_url: str, telegram: FakeTelegram) -> None:
    handled: list[tuple[str, str]] = []
    settings = RuntimeSettings(name="hookbot", ttl=3.0, check_interval=0.2)

    async def replica(name: str, webhook: WebhookSettings) -> Replica:
        warden = Warden(db_url, settings)
        await warden.start()
        dp = Dispatcher()

        @dp.message(F.text)
        async def echo(message: Message) -> None:
            handled.append((name, message.text or ""))
            await message.answer(f"{name} got it")

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        app = web.Application()
        setup_webhook(app, dp, bot, warden=warden, webhook=webhook)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return Replica(name, warden, runner, f"http://127.0.0.1:{runner.addresses[0][1]}/webhook")

    async def post(url: str, body: bytes, secret: str | None) -> int:
        data = io.BytesIO(body)  # aiohttp warns about large raw bytes bodies
        headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret else {})}
        async with aiohttp.ClientSession() as s, s.post(url, data=data, headers=headers) as r:
            return r.status

    async def scenario() -> None:
        proxy = await RoundRobin([]).start()
        webhook = WebhookSettings(url=proxy.url, secret_token=SECRET, max_connections=8)
        replicas = [await replica(n, webhook) for n in ("a", "b", "c")]
        proxy.upstreams.extend(r.url for r in replicas)
        await wait_for(lambda: any(r.warden.is_active for r in replicas))
        await wait_for(lambda: telegram.webhook_info(TOKEN).get("url") == proxy.url)
        info = telegram.webhook_info(TOKEN)
        assert info["max_connections"] == 8 and info["allowed_updates"] == ["message"]

        ids = [telegram.add_message(TOKEN, f"m{i}") for i in range(30)]
        await wait_for(lambda: len(handled) == 30)
        for update_id in ids[:10]:  # Telegram did not see these answered: it delivers them again
            telegram.redeliver(TOKEN, update_id)
        await wait_for(lambda: len(telegram.deliveries(TOKEN)) == 40)

        # A demoted leader deletes nothing: the webhook stays, the successor sets it again.
        leader = next(r for r in replicas if r.warden.is_active)
        await leader.warden.stop()
        await wait_for(lambda: any(r.warden.is_active for r in replicas if r is not leader))
        assert telegram.webhook_info(TOKEN)["url"] == proxy.url
        for i in range(30, 35):
            telegram.add_message(TOKEN, f"m{i}")
        await wait_for(lambda: len(handled) == 35)

        # Bad requests straight at a replica: refused, and the replica keeps serving.
        target = next(r for r in replicas if r is not leader).url
        assert await post(target, b'{"update_id": 99999}', None) == 403
        assert await post(target, b'{"update_id": 99999}', "wrong") == 403
        assert await post(target, b"not json", SECRET) == 400
        assert await post(target, b"[1, 2]", SECRET) == 400
        assert await post(target, b'{"update_id": 1, "pad": "' + b"x" * (2 << 20) + b'"}', SECRET) == 413
        telegram.add_message(TOKEN, "m35")
        await wait_for(lambda: len(handled) == 36)
        await wait_for(lambda: telegram.webhook_info(TOKEN)["pending_update_count"] == 0)

        for r in replicas:
            await r.runner.cleanup()
            await r.warden.stop()
        await proxy.close()

    asyncio.run(scenario())
    texts = [text for _, text in handled]
    assert sorted(texts) == sorted(f"m{i}" for i in range(36)), handled
    assert len({who for who, _ in handled}) >= 2  # round robin: more than one replica handled updates
    assert len(telegram.sent(TOKEN)) == 36


@pytest.mark.parametrize(
    ("url", "secret", "says"),
    [
        ("http://bot.example.com/hook", SECRET, "is not HTTPS"),
        ("https://bot.example.com/hook", "has spaces in it", "secret token"),
        ("https://bot.example.com/hook", "", "secret token"),
    ],
)
def test_bad_webhook_settings_are_refused_with_one_clear_sentence(url: str, secret: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        WebhookSettings(url=url, secret_token=secret)
    assert TOKEN not in str(caught.value) and (not secret or secret not in str(caught.value))
