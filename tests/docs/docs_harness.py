"""What a documentation block runs in: a scratch database, a working folder, the fake Bot API.

A harness is an async context manager that prepares the working folder and the environment,
then yields a ``Stage``: the names a Python block may use without defining them (``dp``,
``bot``, ``app``…) and, for blocks that run until cancelled (a bot's polling), ``done``: a
coroutine that returns once the block has visibly worked. The runner then cancels the block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

TESTS = Path(__file__).resolve().parents[1]
# fake_telegram lives in tests/, the incident-001 helpers in tests/db/checks/
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
from fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "424242:docs-snippet-token"


@dataclass
class Stage:
    names: dict[str, Any] = field(default_factory=dict)
    done: Callable[[], Awaitable[None]] | None = None
    """For blocks that run until cancelled: returns when the block has done its work."""
    check: Callable[[], None] = lambda: None
    """Called after the block finished or was cancelled: asserts what it must have left behind."""


Harness = Callable[[str, Path, pytest.MonkeyPatch], contextlib.AbstractAsyncContextManager[Stage]]


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("the documented snippet did not get there in time")
        await asyncio.sleep(0.02)


def _environment(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DATABASE_URL", db_url)


@contextlib.asynccontextmanager
async def default(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    """An empty folder as the working directory and ``$DATABASE_URL`` naming an empty database."""
    _environment(db_url, folder, monkeypatch)
    yield Stage()


def _bot_names() -> dict[str, Any]:
    log = logging.getLogger("docs-snippet")
    jobs: list[str] = []

    def stop_jobs() -> None:
        jobs.append("stopped")

    return {"log": log, "stop_jobs": stop_jobs}


@contextlib.asynccontextmanager
async def _telegram(
    db_url: str,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    names: Callable[[FakeTelegram], dict[str, Any]],
) -> AsyncIterator[Stage]:
    _environment(db_url, folder, monkeypatch)
    with FakeTelegram() as fake:

        async def done() -> None:
            # The update is sent only now: a standby must not have taken it, the active one must.
            fake.add_message(TOKEN, "hello from the docs")
            await wait_for(lambda: len(fake.sent(TOKEN)) >= 1)

        def check() -> None:
            assert fake.conflicts(TOKEN) == 0
            assert [m["text"] for m in fake.sent(TOKEN)] == ["echo: hello from the docs"]

        yield Stage({**_bot_names(), **names(fake)}, done=done, check=check)


def _aiogram(fake: FakeTelegram, who: str = "echo") -> dict[str, Any]:
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"{who}: {message.text}")

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
    return {"dp": dp, "bot": bot}


def _ptb(fake: FakeTelegram) -> dict[str, Any]:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    app = Application.builder().token(TOKEN).base_url(f"{fake.url}/bot").updater(None).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    return {"app": app}


def aiogram(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> contextlib.AbstractAsyncContextManager[Stage]:
    """``dp`` (a Dispatcher that echoes text), ``bot`` (on the fake Bot API), ``log``, ``stop_jobs``."""
    return _telegram(db_url, folder, monkeypatch, _aiogram)


def ptb(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> contextlib.AbstractAsyncContextManager[Stage]:
    """``app`` (a python-telegram-bot Application that echoes text, on the fake Bot API), ``log``."""
    return _telegram(db_url, folder, monkeypatch, _ptb)


def _with_notes(
    inner: Harness,
) -> Harness:
    """``inner`` with a table ``notes (chat_id bigint, text text)``; afterwards the docs' message is in it
    once and its update recorded done (written in the update's ledger transaction)."""

    @contextlib.asynccontextmanager
    async def harness(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (chat_id bigint, text text)")
        async with inner(db_url, folder, monkeypatch) as stage:
            first = stage.check

            def check() -> None:
                first()
                with psycopg.connect(db_url, autocommit=True) as conn:
                    notes = conn.execute("SELECT text FROM notes").fetchall()
                    done = conn.execute(
                        "SELECT count(*) FROM pgwarden.updates WHERE state = 'done'"
                    ).fetchone()
                assert notes == [("hello from the docs",)] and done == (1,), (notes, done)

            stage.check = check
            yield stage

    return harness


@contextlib.asynccontextmanager
async def aiogram_webhook(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    """``dp`` and ``bot`` as in ``aiogram``; ``$PORT`` free, ``$WEBHOOK_URL`` on it, ``$WEBHOOK_SECRET``."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PORT", str(port))
    monkeypatch.setenv("WEBHOOK_URL", f"http://127.0.0.1:{port}/webhook")
    monkeypatch.setenv("WEBHOOK_SECRET", "docs-webhook-secret")
    async with _telegram(db_url, folder, monkeypatch, _aiogram) as stage:
        yield stage


@contextlib.asynccontextmanager
async def supervised_webhook(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stage]:
    """The child of `pgwarden run` in webhook mode: ``dp`` and ``bot`` as in ``aiogram``, ``$PORT`` free,
    and the environment the supervisor gives its command; the harness, as the active supervisor,
    sets the webhook to ``$PORT`` on the fake Bot API."""
    import socket
    from uuid import uuid4

    from pgwarden.doctor.telegram_settings import parse
    from pgwarden.runtime.webhook_mode import WebhookMode

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PORT", str(port))
    fakes: list[FakeTelegram] = []

    def names(fake: FakeTelegram) -> dict[str, Any]:
        fakes.append(fake)
        return _aiogram(fake)

    async with _telegram(db_url, folder, monkeypatch, names) as stage:
        fake_url = fakes[0].url
        environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "docs-webhook-secret"}
        values = {"mode": "webhook", "webhook_url": f"http://127.0.0.1:{port}/webhook", "api_base": fake_url}
        mode = WebhookMode.from_telegram(
            parse(values, where="pgwarden.toml", key="telegram", environ=environ)
        )
        env = {
            **environ,
            **mode.child_env(),
            "PGWARDEN_NAME": "bot",
            "PGWARDEN_INSTANCE": str(uuid4()),
            "PGWARDEN_DATABASE_URL": db_url,
            "PGWARDEN_TTL": "5",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        await mode.set_webhook()
        yield stage


@contextlib.asynccontextmanager
async def incident001(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    """Incident 001's schema with 30 active bookings whose trigger never made chat rooms; the invariant in pgwarden.toml."""
    sys.path.insert(0, str(TESTS / "db" / "checks"))
    try:
        import incident001 as fixture
    finally:
        sys.path.remove(str(TESTS / "db" / "checks"))
    with psycopg.connect(db_url, autocommit=True) as conn:
        fixture.create(conn)
        fixture.add_bookings(conn, 30, trigger=False)
    (folder / "pgwarden.toml").write_text(fixture.INVARIANT_TOML, encoding="utf-8")
    _environment(db_url, folder, monkeypatch)
    yield Stage()


@contextlib.asynccontextmanager
async def commands(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    """The reader's own commands for `pgwarden run -- …` to supervise: ``bot.py`` and ``./worker``, which finish."""
    (folder / "bot.py").write_text('print("bot ran")\n', encoding="utf-8")
    worker = folder / "worker"
    worker.write_text("#!/bin/sh\necho worker ran\n", encoding="utf-8")
    worker.chmod(0o755)
    _environment(db_url, folder, monkeypatch)
    yield Stage()


@contextlib.asynccontextmanager
async def alembic_bot(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    """A bot made with `alembic init -t async` (examples/alembic_bot): five revisions, none applied yet."""
    import shutil

    shutil.copytree(TESTS.parent / "examples" / "alembic_bot", folder, dirs_exist_ok=True)
    _environment(db_url, folder, monkeypatch)
    yield Stage()


@contextlib.asynccontextmanager
async def deployed_bot(db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    """A polling bot deployed at commit 04852ce: its Warden active (own thread), the fake Bot API in
    ``[telegram]``, an empty ``bot.log``; for `doctor telegram` and `deploy verify`."""
    import threading

    from pgwarden.runtime import RuntimeSettings, Warden

    _environment(db_url, folder, monkeypatch)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PGWARDEN_CODE_VERSION", "04852ce7a9d1")
    (folder / "bot.log").write_text("", encoding="utf-8")
    with FakeTelegram() as fake:
        (folder / "pgwarden.toml").write_text(
            f'name = "bot"\n\n[telegram]\napi_base = "{fake.url}"\nusername = "fake424242_bot"\n',
            encoding="utf-8",
        )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        warden = Warden(db_url, RuntimeSettings(name="bot", ttl=5.0, check_interval=0.2))

        async def start() -> None:
            await warden.start()
            await asyncio.wait_for(warden.wait_active(), 30)

        asyncio.run_coroutine_threadsafe(start(), loop).result(60)
        try:
            yield Stage()
        finally:
            asyncio.run_coroutine_threadsafe(warden.stop(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()


HARNESSES: dict[str, Harness] = {
    "default": default,
    "aiogram": aiogram,
    "ptb": ptb,
    "aiogram_webhook": aiogram_webhook,
    "aiogram_notes": _with_notes(aiogram),
    "ptb_notes": _with_notes(ptb),
    "supervised_webhook": supervised_webhook,
    "incident001": incident001,
    "commands": commands,
    "alembic_bot": alembic_bot,
    "deployed_bot": deployed_bot,
}


def shell_env() -> dict[str, str]:
    """The test's environment with this interpreter's ``bin`` first on PATH, so ``pgwarden`` is this checkout's."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env
