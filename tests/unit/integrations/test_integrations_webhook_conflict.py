"""A webhook left set while an instance polls (one cause of incident 002's 409) is detected and named."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fake_telegram import FakeTelegram, ManualLeader

from pgwarden.integrations.aiogram import run_polling

TOKEN = "525252:webhook-conflict-token"


def test_a_webhook_set_while_polling_is_named(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(telegram: FakeTelegram) -> None:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        await bot.set_webhook("http://127.0.0.1:9/left-behind")  # another deployment set it
        leader = ManualLeader()
        leader.set_active(True)
        task = asyncio.create_task(run_polling(Dispatcher(), bot, warden=leader, polling_timeout=1))
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while telegram.conflicts(TOKEN) < 1 and loop.time() < end:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with FakeTelegram() as telegram, caplog.at_level("WARNING", logger="pgwarden.integrations"):
        asyncio.run(scenario(telegram))
    assert "a webhook is set for this bot while it polls" in caplog.text
    assert "deleteWebhook" in caplog.text and TOKEN not in caplog.text
