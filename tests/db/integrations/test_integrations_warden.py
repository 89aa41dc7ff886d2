"""Real Wardens on a real PostgreSQL lead aiogram bots against the fake Bot API: hand-overs without a 409."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from fake_telegram import FakeTelegram

from pgwarden.integrations.aiogram import run_polling
from pgwarden.runtime.settings import RuntimeSettings
from pgwarden.runtime.warden import Warden

TOKEN = "636363:warden-test-token"
POLL = 1


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


async def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_wardens_hand_the_bot_over_without_a_conflict(db_url: str, telegram: FakeTelegram) -> None:
    """Closing the active Warden hands over to a standby; its long poll ends before the lease is released."""
    handled: list[tuple[str, int]] = []
    settings = RuntimeSettings(name="bot", ttl=3.0, check_interval=0.2)

    async def start(who: str) -> tuple[Warden, asyncio.Task[None]]:
        warden = Warden(db_url, settings)
        await warden.start()
        dp = Dispatcher()

        @dp.message(F.text)
        async def echo(message: Message) -> None:
            handled.append((who, message.message_id))
            await message.answer(f"{who} got it")

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        return warden, asyncio.create_task(run_polling(dp, bot, warden=warden, polling_timeout=POLL))

    stopped: list[asyncio.Task[None]] = []

    async def stop(warden: Warden, task: asyncio.Task[None]) -> None:
        # The bot task keeps running after its Warden closed, as in a process that goes on with
        # other work: only the hand-off in the demotion callback keeps its long poll from overlapping.
        await warden.stop()
        stopped.append(task)

    async def scenario() -> None:
        injected = 0
        first = await start("a")
        await wait_for(lambda: first[0].is_active)
        standby = await start("b")
        for successor in ("c", "d"):
            for _ in range(3):
                telegram.add_message(TOKEN, f"message {injected}")
                injected += 1
            await wait_for(lambda n=injected: len(handled) >= n)
            assert first[0].is_active and not standby[0].is_active
            await asyncio.sleep(0.3)  # the active bot is now inside an empty long poll
            await stop(*first)
            await wait_for(lambda s=standby[0]: s.is_active)
            first, standby = standby, await start(successor)
        for _ in range(3):
            telegram.add_message(TOKEN, f"message {injected}")
            injected += 1
        await wait_for(lambda: len(handled) >= injected)
        await asyncio.sleep(POLL + 0.3)
        await stop(*standby)
        await stop(*first)
        for task in stopped:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(scenario())
    ids = [message_id for _, message_id in handled]
    assert len(ids) == len(set(ids)) == 9, handled
    assert {who for who, _ in handled} == {"a", "b", "c"}
    assert telegram.conflicts(TOKEN) == 0
    assert len(telegram.sent(TOKEN)) == 9
