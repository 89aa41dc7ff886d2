"""Polling with ``exactly_once=True``: a redelivered update is claimed once in the ledger and handled once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import psycopg
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from fake_telegram import FakeTelegram

from pgwarden.integrations.aiogram import run_polling
from pgwarden.runtime.settings import RuntimeSettings
from pgwarden.runtime.warden import Warden

TOKEN = "818181:exactly-once-token"


async def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_redelivered_updates_are_handled_once(db_url: str) -> None:
    handled: list[str] = []

    async def scenario(telegram: FakeTelegram) -> None:
        warden = Warden(db_url, RuntimeSettings(name="pollbot", ttl=3.0, check_interval=0.2))
        await warden.start()
        dp = Dispatcher()

        @dp.message(F.text)
        async def echo(message: Message) -> None:
            handled.append(message.text or "")

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        task = asyncio.create_task(run_polling(dp, bot, warden=warden, polling_timeout=1, exactly_once=True))
        ids = [telegram.add_message(TOKEN, f"m{i}") for i in range(5)]
        await wait_for(lambda: len(handled) == 5)
        for update_id in ids[:3]:  # as after a takeover: the successor is handed updates handled before
            telegram.redeliver(TOKEN, update_id)
        await wait_for(lambda: telegram.unconfirmed(TOKEN) == 0 and telegram.get_updates_calls(TOKEN) > 3)
        telegram.add_message(TOKEN, "m5")
        await wait_for(lambda: len(handled) == 6)
        await warden.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with FakeTelegram() as telegram:
        asyncio.run(scenario(telegram))
    assert handled == [f"m{i}" for i in range(6)]
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM pgwarden.updates"
        ).fetchone()
    assert row == (6, 6)
