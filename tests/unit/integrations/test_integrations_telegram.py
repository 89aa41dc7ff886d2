"""python-telegram-bot under a hand-switched leader against the fake Bot API: each update once, never a 409."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_telegram import FakeTelegram, ManualLeader
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from pgwarden.integrations.telegram import run_application

TOKEN = "515151:ptb-test-token"
POLL = 1


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def make_app(
    fake: FakeTelegram, handled: list[tuple[str, int]], who: str
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = Application.builder().token(TOKEN).base_url(f"{fake.url}/bot")
    app = (builder.updater(None) if who == "a" else builder).build()  # an unused Updater is harmless

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        handled.append((who, update.message.message_id))
        await update.message.reply_text(f"{who}: {update.message.text}")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_two_applications_hand_over_back_and_forth(telegram: FakeTelegram) -> None:
    handled: list[tuple[str, int]] = []
    hooks: list[str] = []

    async def scenario() -> None:
        leaders = {"a": ManualLeader(takeover_delay=POLL + 0.5), "b": ManualLeader(takeover_delay=POLL + 0.5)}
        tasks = []
        for who, leader in leaders.items():
            app = make_app(telegram, handled, who)

            async def post_init(app: Any, who: str = who) -> None:
                hooks.append(f"init {who}")

            async def post_shutdown(app: Any, who: str = who) -> None:
                hooks.append(f"shutdown {who}")

            app.post_init, app.post_shutdown = post_init, post_shutdown
            tasks.append(asyncio.create_task(run_application(app, warden=leader, timeout=POLL)))
        injected = 0
        active = "a"
        leaders["a"].set_active(True)
        for _ in range(3):
            for _ in range(3):
                telegram.add_message(TOKEN, f"hello {injected}")
                injected += 1
                await asyncio.sleep(0.05)
            await wait_for(lambda n=injected: len(handled) >= n)
            standby = "b" if active == "a" else "a"
            leaders[active].set_active(False)
            telegram.add_message(TOKEN, f"during handover {injected}")
            injected += 1
            leaders[standby].set_active(True)
            active = standby
        await wait_for(lambda: len(handled) >= injected)
        await asyncio.sleep(POLL + 0.2)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(scenario())
    ids = [message_id for _, message_id in handled]
    assert len(ids) == len(set(ids)) == 12, handled
    assert {who for who, _ in handled} == {"a", "b"}
    assert telegram.conflicts(TOKEN) == 0
    assert len(telegram.sent(TOKEN)) == 12
    assert sorted(hooks) == ["init a", "init b", "shutdown a", "shutdown b"]


def test_a_leftover_webhook_is_deleted_on_promotion(telegram: FakeTelegram) -> None:
    handled: list[tuple[str, int]] = []

    async def scenario() -> None:
        leader = ManualLeader()
        app = make_app(telegram, handled, "solo")
        await app.bot.set_webhook("https://example.invalid/hook")
        task = asyncio.create_task(run_application(app, warden=leader, timeout=POLL))
        telegram.add_message(TOKEN, "hi")
        await asyncio.sleep(0.3)
        assert telegram.get_updates_calls(TOKEN) == 0  # standby: no polling at all
        leader.set_active(True)
        await wait_for(lambda: len(handled) == 1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert handled == [("solo", 1)]
    assert telegram.conflicts(TOKEN) == 0
    assert "deleteWebhook" in telegram.calls(TOKEN)
