"""The data-loss alarm with real PostgreSQL: dropped tables, a restarted server, a re-initialised cluster."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import SERVERS

from pgwarden.config import parse
from pgwarden.errors import ConfigError
from pgwarden.runtime import AlertSettings, RuntimeSettings, Warden
from pgwarden.scratch import Cluster, Scratch, find_binaries

INTERVAL = 0.15


class Webhook:
    """A local HTTP endpoint that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Webhook:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"

    def sent(self) -> list[str]:
        return [b["key"] for b in self.bodies]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = await reader.readexactly(length)
        self.bodies.append(json.loads(body))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


def alerts(hook: Webhook) -> AlertSettings:
    return AlertSettings(webhook_url=hook.url, min_interval=0.0, timeout=2.0)


async def until(predicate: Any, timeout: float = 8.0) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not predicate():
        if loop.time() - started > timeout:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
    return loop.time() - started


def test_a_dropped_required_table_halts_without_recreating_it(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int)")
        conn.execute("CREATE TABLE aiogram_states (id int)")
        conn.execute("INSERT INTO users VALUES (1)")

    async def scenario() -> None:
        async with Webhook() as hook:
            settings = RuntimeSettings(
                name="bot",
                ttl=1.2,
                check_interval=INTERVAL,
                required_tables=("aiogram_states",),
                non_empty_tables=("public.users",),
            )
            async with Warden(db_url, settings, alerts=alerts(hook)) as w:
                await asyncio.wait_for(w.wait_active(), 5)
                with psycopg.connect(db_url, autocommit=True) as conn:
                    conn.execute("DROP TABLE aiogram_states")
                    took = await until(lambda: not w.ready and "data_loss" in hook.sent())
                    assert took <= 2 * INTERVAL + 0.5
                    await until(lambda: not w.is_active, timeout=3)
                    assert any("aiogram_states" in r for r in w.reasons)
                    await asyncio.sleep(3 * INTERVAL)
                    assert conn.execute("SELECT to_regclass('aiogram_states')").fetchone() == (None,)
                    body = next(b for b in hook.bodies if b["key"] == "data_loss")
                    assert body["evidence"]["missing"] == ["aiogram_states"]
                    # emptied, then put back: the alarm clears only when everything is there again
                    conn.execute("CREATE TABLE aiogram_states (id int)")
                    conn.execute("DELETE FROM users")
                    await until(lambda: any("empty" in r for r in w.reasons), timeout=3)
                    conn.execute("INSERT INTO users VALUES (2)")
                    await asyncio.wait_for(w.wait_active(), 5)

    asyncio.run(scenario())


@pytest.fixture
def own_cluster(scratch: Scratch) -> Iterator[Cluster]:
    """A cluster of this test's own, to restart and re-initialise (one major is enough)."""
    if scratch.version != SERVERS[0].version:
        pytest.skip("restarting a dedicated cluster once is enough")
    binaries = find_binaries()
    assert binaries is not None
    cluster = Cluster(binaries)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _pg_ctl(cluster: Cluster, *args: str) -> None:
    cluster._run([cluster.binaries.tool("pg_ctl"), "-D", str(cluster.data), *args], what="pg_ctl")


def _reinitialise(cluster: Cluster) -> None:
    _pg_ctl(cluster, "-m", "immediate", "-w", "stop")
    shutil.rmtree(cluster.data)
    # initdb's defaults (SQL_ASCII), as a hasty re-initialisation would leave them
    cluster._run(
        [
            cluster.binaries.tool("initdb"),
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=reject",
            "--no-sync",
        ],
        what="initdb",
    )
    _pg_ctl(cluster, "-l", str(cluster.dir / "server.log"), "-o", cluster.server_options(), "-w", "start")


def test_restart_leaves_exactly_one_active_and_a_new_cluster_raises_the_alarm(own_cluster: Cluster) -> None:
    url = own_cluster.url

    async def scenario() -> None:
        async with Webhook() as hook:
            settings = RuntimeSettings(name="bot", ttl=1.2, check_interval=INTERVAL)
            async with (
                Warden(url, settings, alerts=alerts(hook)) as a,
                Warden(url, settings, alerts=alerts(hook)) as b,
            ):
                await until(lambda: a.is_active or b.is_active)
                both: list[bool] = []

                async def watch() -> None:
                    while True:
                        both.append(a.is_active and b.is_active)
                        await asyncio.sleep(0.005)

                watcher = asyncio.create_task(watch())
                await asyncio.to_thread(
                    _pg_ctl,
                    own_cluster,
                    "-l",
                    str(own_cluster.dir / "server.log"),
                    "-m",
                    "fast",
                    "-w",
                    "restart",
                )
                await until(
                    lambda: not a.reasons and not b.reasons and (a.is_active or b.is_active), timeout=10
                )
                await asyncio.sleep(1.0)
                assert [a.is_active, b.is_active].count(True) == 1
                assert not any(both)
                assert a.alarm.restarts or b.alarm.restarts  # the server restart is on record
                await asyncio.to_thread(_reinitialise, own_cluster)
                await until(lambda: "data_loss" in hook.sent(), timeout=10)
                watcher.cancel()
                await until(lambda: not a.is_active and not b.is_active, timeout=3)
                body = next(x for x in hook.bodies if x["key"] == "data_loss")
                assert "cluster was replaced" in body["text"]
                assert body["evidence"]["pinned"] != body["evidence"]["now"]
                # Each instance notices on its own next round; the alert came from whichever was first.
                await until(lambda: all(any("data loss" in r for r in w.reasons) for w in (a, b)), timeout=5)
                await asyncio.sleep(3 * INTERVAL)
                with psycopg.connect(url) as conn:  # halt: nothing recreated, not even pgwarden's tables
                    assert conn.execute("SELECT to_regnamespace('pgwarden')").fetchone() == (None,)

    asyncio.run(scenario())


def test_policy_restore_brings_the_newest_verified_backup_back(
    db_url: str, scratch: Scratch, tmp_path: Path
) -> None:
    if scratch.version != SERVERS[0].version:
        pytest.skip("one restore is enough")
    from pgwarden.backup.create import create
    from pgwarden.backup.verify import verify

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int PRIMARY KEY)")
        conn.execute("INSERT INTO users VALUES (1), (2)")
    backups = tmp_path / "backups"
    cfg = parse({"backup": {"dir": str(backups)}}, file=tmp_path / "pgwarden.toml")
    settings = RuntimeSettings(
        name="bot", ttl=1.2, check_interval=INTERVAL, data_loss_policy="restore", non_empty_tables=("users",)
    )

    async def scenario() -> None:
        async with Webhook() as hook, Warden(db_url, settings, config=cfg, alerts=alerts(hook)) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            await asyncio.to_thread(create, db_url, backups)
            assert (await asyncio.to_thread(verify, backups, dev_url=scratch.server_url)).verified
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute("DROP TABLE users")
            await until(lambda: "data_loss_recovered" in hook.sent(), timeout=30)
            await asyncio.wait_for(w.wait_active(), 10)
            assert w.epoch is not None and w.epoch > 2
            with psycopg.connect(db_url) as conn:
                assert conn.execute("SELECT count(*) FROM users").fetchone() == (2,)

    asyncio.run(scenario())


def test_policy_restore_without_backups_is_a_config_error(tmp_path: Path) -> None:
    cfg = parse({}, file=tmp_path / "pgwarden.toml")
    with pytest.raises(ConfigError, match="backup.dir"):
        Warden("postgresql://x@h/db", RuntimeSettings(data_loss_policy="restore"), config=cfg)
