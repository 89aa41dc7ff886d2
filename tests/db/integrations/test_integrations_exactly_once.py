"""Polling with ``exactly_once=True``: a redelivered update is claimed once in the ledger and handled once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

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


def test_aiogram_and_ptb_handlers_write_in_the_updates_ledger_transaction(db_url: str) -> None:
    """aiogram's ``pgwarden_tx`` argument and ``update_transaction()`` in python-telegram-bot: the handler's
    row and the update's done record are committed by one transaction, seen from inside the handler."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    from pgwarden.integrations.telegram import run_application
    from pgwarden.integrations.transaction import update_transaction

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE handled (update_id bigint, text text, backend int)")
    seen: list[str] = []
    insert = "INSERT INTO handled VALUES (%s, %s, pg_backend_pid())"

    async def aiogram_side(telegram: FakeTelegram) -> None:
        warden = Warden(db_url, RuntimeSettings(name="txbot", ttl=3.0, check_interval=0.2))
        await warden.start()
        dp = Dispatcher()

        @dp.message(F.text)
        async def record(message: Message, pgwarden_tx: Any, event_update: Any) -> None:
            async with pgwarden_tx as conn:
                await conn.execute(insert, (message.message_id, message.text))
                # Still 'claimed' inside: the done record is the transaction's last statement.
                state = await conn.execute(
                    "SELECT state FROM pgwarden.updates WHERE name = 'txbot' AND update_id = %s",
                    (event_update.update_id,),
                )
                seen.extend(s[0] for s in await state.fetchall())

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        task = asyncio.create_task(run_polling(dp, bot, warden=warden, polling_timeout=1, exactly_once=True))
        for i in range(3):
            telegram.add_message(TOKEN, f"a{i}")
        await wait_for(lambda: len(seen) >= 3)
        await wait_for(lambda: telegram.unconfirmed(TOKEN) == 0)
        await warden.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def ptb_side(telegram: FakeTelegram) -> None:
        warden = Warden(db_url, RuntimeSettings(name="txptb", ttl=3.0, check_interval=0.2))
        await warden.start()
        app = Application.builder().token(TOKEN).base_url(f"{telegram.url}/bot").updater(None).build()

        async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.message is not None
            async with update_transaction() as conn:
                await conn.execute(insert, (update.message.message_id, update.message.text))
            seen.append("ptb")

        app.add_handler(MessageHandler(filters.TEXT, record))
        task = asyncio.create_task(run_application(app, warden=warden, timeout=1, exactly_once=True))
        for i in range(2):
            telegram.add_message(TOKEN, f"p{i}")
        await wait_for(lambda: seen.count("ptb") == 2)
        await warden.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with FakeTelegram() as telegram:
        asyncio.run(aiogram_side(telegram))
    with FakeTelegram() as telegram:
        asyncio.run(ptb_side(telegram))
    with psycopg.connect(db_url) as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM handled ORDER BY text")]
        states = conn.execute(
            "SELECT name, count(*) FILTER (WHERE state = 'done') FROM pgwarden.updates GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert texts == ["a0", "a1", "a2", "p0", "p1"]
    assert states == [("txbot", 3), ("txptb", 2)]
    # Each aiogram handler saw its own claim still open inside; it is done now, committed with the row.
    assert seen[:3] == ["claimed"] * 3


def test_an_update_whose_transaction_lost_its_connection_is_not_confirmed_and_is_handled_once(
    db_url: str,
) -> None:
    """The connection dies before COMMIT (as in a PostgreSQL restart): neither the row nor the done record
    landed, the polling loop leaves the update unconfirmed, gets it again and retakes it: one row."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE handled (text text)")
    attempts: list[str] = []

    async def scenario(telegram: FakeTelegram) -> None:
        warden = Warden(db_url, RuntimeSettings(name="retake", ttl=3.0, check_interval=0.2))
        await warden.start()
        dp = Dispatcher()

        @dp.message(F.text)
        async def record(message: Message, pgwarden_tx: Any) -> None:
            attempts.append(message.text or "")
            async with pgwarden_tx as conn:
                await conn.execute("INSERT INTO handled VALUES (%s)", (message.text,))
                if attempts.count("boom") == 1 and message.text == "boom":
                    with psycopg.connect(db_url, autocommit=True) as killer:
                        killer.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
        task = asyncio.create_task(
            run_polling(dp, bot, warden=warden, polling_timeout=1, exactly_once=True, handle_as_tasks=False)
        )
        for text in ("before", "boom", "after"):
            telegram.add_message(TOKEN, text)
        await wait_for(lambda: attempts.count("after") >= 1 and telegram.unconfirmed(TOKEN) == 0)
        await warden.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with FakeTelegram() as telegram:
        asyncio.run(scenario(telegram))
    assert attempts == ["before", "boom", "boom", "after"]
    with psycopg.connect(db_url) as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM handled ORDER BY text")]
        done = conn.execute("SELECT count(*) FROM pgwarden.updates WHERE state = 'done'").fetchone()
    assert texts == ["after", "before", "boom"]
    assert done == (3,)
