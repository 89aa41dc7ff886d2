"""aiogram 3 under a hand-switched leader against the fake Bot API: each update once, never a 409."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from fake_telegram import FakeTelegram, ManualLeader

from pgwarden.integrations import Leader
from pgwarden.integrations.aiogram import run_polling

TOKEN = "424242:aiogram-test-token"
POLL = 1  # seconds of long poll; the takeover delay must outlast it


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def make_bot(fake: FakeTelegram, handled: list[tuple[str, int]], who: str) -> tuple[Dispatcher, Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.url))
    bot = Bot(TOKEN, session=session)
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        handled.append((who, message.message_id))
        await message.answer(f"{who}: {message.text}")

    return dp, bot


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_manual_leader_is_a_leader() -> None:
    assert isinstance(ManualLeader(), Leader)


def test_two_instances_hand_over_back_and_forth(telegram: FakeTelegram) -> None:
    handled: list[tuple[str, int]] = []

    async def scenario() -> None:
        leaders = {"a": ManualLeader(takeover_delay=POLL + 0.5), "b": ManualLeader(takeover_delay=POLL + 0.5)}
        tasks = []
        for who, leader in leaders.items():
            dp, bot = make_bot(telegram, handled, who)
            tasks.append(asyncio.create_task(run_polling(dp, bot, warden=leader, polling_timeout=POLL)))
        injected = 0
        active = "a"
        leaders["a"].set_active(True)
        for _ in range(3):
            for _ in range(3):
                telegram.add_message(TOKEN, f"hello {injected}")
                injected += 1
                await asyncio.sleep(0.05)
            await wait_for(lambda n=injected: len(handled) >= n)
            # Hand over while a message is queued: the successor must get it, not both.
            standby = "b" if active == "a" else "a"
            leaders[active].set_active(False)
            telegram.add_message(TOKEN, f"during handover {injected}")
            injected += 1
            leaders[standby].set_active(True)
            active = standby
        await wait_for(lambda: len(handled) >= injected)
        await asyncio.sleep(POLL + 0.2)  # anything handled twice would show up now
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert leaders["a"].beats["telegram"] > 0 and leaders["b"].beats["telegram"] > 0

    asyncio.run(scenario())
    ids = [message_id for _, message_id in handled]
    assert len(ids) == len(set(ids)) == 12, handled
    assert {who for who, _ in handled} == {"a", "b"}
    assert telegram.conflicts(TOKEN) == 0
    assert len(telegram.sent(TOKEN)) == 12


def test_standby_never_polls(telegram: FakeTelegram) -> None:
    handled: list[tuple[str, int]] = []

    hooks: list[str] = []

    async def scenario() -> None:
        leader = ManualLeader()
        dp, bot = make_bot(telegram, handled, "standby")

        @dp.startup()
        async def started() -> None:
            hooks.append("startup")

        @dp.shutdown()
        async def stopped() -> None:
            hooks.append("shutdown")

        task = asyncio.create_task(run_polling(dp, bot, warden=leader, polling_timeout=POLL))
        telegram.add_message(TOKEN, "nobody home")
        await asyncio.sleep(0.5)
        assert telegram.get_updates_calls(TOKEN) == 0
        leader.set_active(True)
        await wait_for(lambda: len(handled) == 1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert handled == [("standby", 1)]
    assert hooks == ["startup", "shutdown"]


def test_a_rogue_poller_is_reported_and_retried(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """A copy of the bot outside pgwarden: our poll gets the 409, we say so and keep going."""
    handled: list[tuple[str, int]] = []

    async def scenario() -> None:
        leader = ManualLeader()
        leader.set_active(True)
        dp, bot = make_bot(telegram, handled, "ours")
        task = asyncio.create_task(run_polling(dp, bot, warden=leader, polling_timeout=POLL))
        await wait_for(lambda: telegram.get_updates_calls(TOKEN) >= 1)
        await asyncio.sleep(0.1)
        rogue = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        await rogue.get_updates(timeout=0)
        await rogue.session.close()
        await wait_for(lambda: telegram.conflicts(TOKEN) == 1)
        telegram.add_message(TOKEN, "after the conflict")
        await wait_for(lambda: len(handled) == 1, timeout=15)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with caplog.at_level("WARNING", logger="pgwarden.integrations"):
        asyncio.run(scenario())
    assert "another getUpdates poller" in caplog.text
    assert handled == [("ours", 1)]


class HandOverLeader(ManualLeader):
    """Like a Warden: demotion runs the on_demote callbacks before the lease would be released."""

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: list[Callable[[], Awaitable[object]]] = []

    def on_demote(self, callback: Callable[[], Awaitable[object]]) -> None:
        self.callbacks.append(callback)

    async def demote(self) -> None:
        self.set_active(False)
        for callback in self.callbacks:
            await callback()


def test_demotion_waits_for_the_long_poll_so_the_successor_needs_no_delay(telegram: FakeTelegram) -> None:
    handled: list[tuple[str, int]] = []

    async def scenario() -> float:
        a, b = HandOverLeader(), HandOverLeader()
        tasks = [
            asyncio.create_task(
                run_polling(*make_bot(telegram, handled, who), warden=leader, polling_timeout=POLL)
            )
            for who, leader in (("a", a), ("b", b))
        ]
        a.set_active(True)
        telegram.add_message(TOKEN, "first")
        await wait_for(lambda: len(handled) == 1)
        await asyncio.sleep(0.2)  # a is now inside an empty long poll
        loop = asyncio.get_running_loop()
        started = loop.time()
        await a.demote()  # returns once a's long poll has ended
        waited = loop.time() - started
        b.set_active(True)  # no takeover delay at all
        telegram.add_message(TOKEN, "second")
        await wait_for(lambda: len(handled) == 2)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return waited

    waited = asyncio.run(scenario())
    assert 0.3 < waited < POLL + 0.5
    assert [who for who, _ in handled] == ["a", "b"]
    assert telegram.conflicts(TOKEN) == 0


def test_demotion_cuts_a_retry_pause_short() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"

    async def scenario() -> None:
        leader = HandOverLeader()
        leader.set_active(True)
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(dead)))
        task = asyncio.create_task(run_polling(Dispatcher(), bot, warden=leader, polling_timeout=POLL))
        await asyncio.sleep(1.5)  # two failed getUpdates; now pausing 2 s before the third
        await asyncio.wait_for(leader.demote(), timeout=0.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
