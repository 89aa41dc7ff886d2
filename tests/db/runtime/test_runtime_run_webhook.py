"""`pgwarden run` in webhook mode with real processes: two supervisors behind one round-robin URL, kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import SERVERS
from fake_telegram import FakeTelegram
from round_robin import RoundRobin

from pgwarden.scratch import Scratch

TOKEN = "4242:webhook-run-token"
SECRET = "run-webhook-secret_1"

CHILD = """
import asyncio, logging, os, sys
import psycopg
from aiohttp import web
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from pgwarden.integrations.aiogram_webhook import setup_webhook
from pgwarden.integrations.supervised import Supervised
from pgwarden.runtime.ledger import UpdateLedger

logging.basicConfig(level=logging.WARNING, format=f"child {sys.argv[3]}: %(levelname)s %(message)s")
api, port, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
supervisor = Supervised.from_env()
assert "PGWARDEN_EPOCH" not in os.environ and not supervisor.is_active
dp = Dispatcher()

@dp.message(F.text)
async def handle(message: Message) -> None:
    async with await psycopg.AsyncConnection.connect(supervisor.url, autocommit=True) as conn:
        await conn.execute("INSERT INTO handled (text, label) VALUES (%s, %s)", (message.text, label))

async def main() -> None:
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    app = web.Application()
    # An update in the killed child's hands when it died is claimed but never finished: it is retaken
    # after claim_timeout (default 120 s, which would hold Telegram's ordered delivery up that long).
    ledger = UpdateLedger.for_warden(supervisor, claim_timeout=5.0)
    setup_webhook(app, dp, bot, warden=supervisor, webhook=supervisor.webhook, exactly_once=ledger)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proxy:
    """tests/round_robin.py on a loop of its own (the test itself is synchronous)."""

    def __init__(self, upstreams: list[str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.rr = asyncio.run_coroutine_threadsafe(
            RoundRobin(upstreams, timeout=3).start(), self.loop
        ).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.rr.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate: Callable[[], bool], timeout: float, what: str | Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in time: {what() if callable(what) else what}")
        time.sleep(0.05)


@pytest.fixture
def setting(db_url: str, scratch: Scratch, tmp_path: Path) -> Iterator[tuple[str, FakeTelegram, Proxy]]:
    if scratch.version != SERVERS[0].version:
        pytest.skip("process tests run on one PostgreSQL major")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE handled (text text, label text, at timestamptz DEFAULT clock_timestamp())")
    ports = [free_port(), free_port()]
    proxy = Proxy([f"http://127.0.0.1:{p}/webhook" for p in ports])
    with FakeTelegram(webhook_timeout=3.0, retry_delay=0.2) as fake:
        (tmp_path / "child.py").write_text(CHILD)
        (tmp_path / "pgwarden.toml").write_text(
            f'[telegram]\nmode = "webhook"\nwebhook_url = "{proxy.rr.url}"\napi_base = "{fake.url}"\n'
            'max_connections = 4\nallowed_updates = ["message"]\n'
        )
        (tmp_path / "ports").write_text(" ".join(map(str, ports)))
        try:
            yield db_url, fake, proxy
        finally:
            proxy.close()


def start(db_url: str, fake: FakeTelegram, tmp_path: Path, label: str, port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "pgwarden", "run", "--db", db_url, "--name", "hook", "--ttl", "1.5"]
    argv += [
        "--check-interval",
        "0.15",
        "--grace",
        "2",
        "--",
        sys.executable,
        "child.py",
        fake.url,
        str(port),
    ]
    argv.append(label)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    with open(tmp_path / f"{label}.log", "wb") as out:
        return subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path, env=env
        )


def handled(db_url: str) -> dict[str, list[str]]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT text, label FROM handled ORDER BY at").fetchall()
    seen: dict[str, list[str]] = {}
    for text, label in rows:
        seen.setdefault(str(text), []).append(str(label))
    return seen


def missing(db_url: str, sent: list[str]) -> list[str]:
    return sorted(set(sent) - set(handled(db_url)))


def send(fake: FakeTelegram, first: int, count: int) -> list[str]:
    texts = [f"u{i}" for i in range(first, first + count)]
    for i, text in enumerate(texts):
        update_id = fake.add_message(TOKEN, text)
        if i % 5 == 0:
            fake.redeliver(TOKEN, update_id)  # as Telegram does when it saw no answer
    return texts


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_two_webhook_supervisors_leader_killed_the_other_sets_the_webhook_each_update_once(
    setting: tuple[str, FakeTelegram, Proxy], tmp_path: Path
) -> None:
    db_url, fake, proxy = setting
    ports = [int(p) for p in (tmp_path / "ports").read_text().split()]
    procs = {
        label: start(db_url, fake, tmp_path, label, port) for label, port in zip("ab", ports, strict=True)
    }
    logs = {label: tmp_path / f"{label}.log" for label in procs}
    try:
        wait_for(lambda: fake.webhook_info(TOKEN).get("url") == proxy.rr.url, 60, "the webhook set")
        info = fake.webhook_info(TOKEN)
        assert info["max_connections"] == 4 and info["allowed_updates"] == ["message"]
        wait_for(lambda: all(listening(port) for port in ports), 60, "both children listening")
        sent = send(fake, 0, 30)
        wait_for(lambda: set(sent) <= set(handled(db_url)), 60, "the first updates handled")
        leader = next(label for label, p in logs.items() if "the webhook is set" in p.read_text())
        survivor = "b" if leader == "a" else "a"
        # every replica serves: the standby's child handled its share too
        assert {label for labels in handled(db_url).values() for label in labels} == {"a", "b"}

        os.killpg(procs[leader].pid, signal.SIGKILL)  # the supervisor; PDEATHSIG ends its child
        sent += send(fake, 30, 30)  # during the takeover: the survivor serves them through the proxy
        wait_for(
            lambda: "the webhook is set" in logs[survivor].read_text(), 30, "the survivor sets the webhook"
        )
        sent += send(fake, 60, 20)
        wait_for(
            lambda: set(sent) <= set(handled(db_url)),
            60,
            lambda: f"every update handled: missing {missing(db_url, sent)}, {fake.webhook_info(TOKEN)}",
        )
        time.sleep(1.0)  # redeliveries still in flight must not be handled again

        seen = handled(db_url)
        twice = {text: labels for text, labels in seen.items() if len(labels) > 1}
        assert twice == {}, twice
        assert set(seen) == set(sent)
        assert fake.calls(TOKEN).count("setWebhook") == 2  # once per promotion
        assert "deleteWebhook" not in fake.calls(TOKEN)  # the demoted (killed) one deleted nothing
        assert fake.webhook_info(TOKEN)["url"] == proxy.rr.url
        assert procs[survivor].poll() is None
        for path in logs.values():
            text = path.read_text()
            assert TOKEN not in text and SECRET not in text and "Traceback" not in text, text[-3000:]
    finally:
        stop(*procs.values())
