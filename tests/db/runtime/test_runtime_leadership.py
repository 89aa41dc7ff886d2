"""Leadership with real PostgreSQL: one active, fencing epochs, takeover of a hung leader, foreign holders."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgwarden.errors import DatabaseUnreachable
from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.runtime.errors import LoginRefused, TakeoverNotPermitted
from pgwarden.runtime.leadership import lock_key
from pgwarden.urls import with_dbname

FAST = {"ttl": 1.2, "check_interval": 0.15}


async def freeze(w: Warden) -> None:
    """What SIGSTOP does to an instance: its loop and its lease guard stop; its session stays open."""
    tasks = [t for t in w._tasks if t.get_name() == "pgwarden-warden"] + (
        [w.lease.guard] if w.lease.guard else []
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    w.lease.guard = None


def settings(name: str = "bot", **extra: Any) -> RuntimeSettings:
    return RuntimeSettings(name=name, **{**FAST, **extra})


async def until(predicate: Callable[[], bool], timeout: float = 6.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def run(coro: Awaitable[None]) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_exactly_one_active_and_a_clean_handover(db_url: str) -> None:
    async def scenario() -> None:
        a, b = Warden(db_url, settings()), Warden(db_url, settings())
        promoted: list[str] = []
        a.on_promote(lambda: promoted.append("a"))
        b.on_promote(lambda: promoted.append("b"))
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        await b.start()
        await asyncio.sleep(0.6)
        assert (a.is_active, b.is_active) == (True, False)
        assert a.epoch == 1 and b.epoch is None
        assert b.ready and "active" in (b.readiness()[1]["standby"] or "")
        await a.stop()  # releases: the standby needs no takeover delay
        await asyncio.wait_for(b.wait_active(), 5)
        assert b.epoch == 2 and b.promotion is not None and not b.promotion.takeover
        assert b.takeover_delay == 0.0
        assert promoted == ["a", "b"]
        await b.stop()

    run(scenario())


def test_a_hung_leader_is_replaced_and_demotes_itself_when_it_resumes(db_url: str) -> None:
    async def scenario() -> None:
        a = Warden(db_url, settings())
        b = Warden(db_url, settings(telegram=True))
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        demoted: list[bool] = []
        a.on_demote(lambda: demoted.append(bool(a.demotion and a.demotion.lost)))
        # "Hang" a: its loop stops, its session (and the lock) stays, its lease is no longer renewed.
        await freeze(a)
        await b.start()
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(b.wait_active(), 8)
        waited = asyncio.get_running_loop().time() - started
        assert b.promotion is not None and b.promotion.takeover and b.epoch == 2
        assert "expired" in b.promotion.reason
        assert waited <= FAST["ttl"] + 2
        assert b.takeover_delay >= 12.0  # the --telegram preset
        # a resumes: it knows its lease ran out before asking the database anything.
        assert a.leadership.expired_locally()
        await a._tick()
        assert demoted == [True] and not a.is_active
        with psycopg.connect(db_url) as conn:
            rows = conn.execute("SELECT epoch, reason FROM pgwarden.takeovers").fetchall()
            assert [r[0] for r in rows] == [2]
        await b.stop()
        await a.stop()

    run(scenario())


def test_a_lock_held_by_a_foreign_session_keeps_everyone_standing_by(db_url: str) -> None:
    async def scenario() -> None:
        with psycopg.connect(db_url, autocommit=True, application_name="psql") as foreign:
            foreign.execute("SELECT pg_advisory_lock(%s, %s)", lock_key("bot"))
            w = Warden(db_url, settings())
            await w.start()
            await until(lambda: w.lease.standby_reason is not None)
            await asyncio.sleep(FAST["ttl"] + 0.5)  # no lease of ours expires: nobody is terminated
            assert not w.is_active
            assert "non-pgwarden session" in (w.lease.standby_reason or "")
            assert "psql" in (w.lease.standby_reason or "")
            foreign.execute("SELECT pg_advisory_unlock_all()")
            await asyncio.wait_for(w.wait_active(), 5)
            await w.stop()

    run(scenario())


@pytest.fixture
def limited_role(db_url: str) -> Any:
    """A login role without pg_signal_backend that may use pgwarden's tables."""
    role = f"pgw_standby_{secrets.token_hex(3)}"
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        yield role
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_standby_without_pg_signal_backend_says_which_grant_it_needs(
    db_url: str, limited_role: str
) -> None:
    async def scenario() -> None:
        a = Warden(db_url, settings())
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        with psycopg.connect(db_url, autocommit=True) as conn:
            role = sql.Identifier(limited_role)
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA pgwarden TO {}").format(role))
            conn.execute(sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA pgwarden TO {}").format(role))
            conn.execute(sql.SQL("GRANT ALL ON ALL SEQUENCES IN SCHEMA pgwarden TO {}").format(role))
        await freeze(a)
        standby_url = db_url.replace("postgresql://postgres@", f"postgresql://{limited_role}@")
        b = Warden(standby_url, settings())
        await b.start()
        with pytest.raises(TakeoverNotPermitted) as caught:
            await asyncio.wait_for(b.wait_active(), 8)
        assert f"GRANT pg_signal_backend TO {limited_role}" in str(caught.value)
        assert caught.value.exit_code == 2
        assert not b.is_active
        await b.stop()
        await a.stop()

    run(scenario())


def test_an_unreachable_database_is_retried_and_reported(db_url: str) -> None:
    async def scenario() -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        w = Warden(f"postgresql://postgres@127.0.0.1:{port}/postgres", settings())
        await w.start()
        await until(lambda: any("refused" in r for r in w.reasons))
        await asyncio.sleep(0.5)
        assert not w.ready and not w.is_active and w.fatal is None
        ok, body = w.readiness()
        assert not ok and any("Is PostgreSQL running" in r for r in body["reasons"])
        await w.stop()

    run(scenario())


def test_a_missing_database_is_a_clear_fatal_error(db_url: str) -> None:
    async def scenario() -> None:
        w = Warden(with_dbname(db_url, "no_such_db_here"), settings())
        await w.start()
        with pytest.raises(LoginRefused) as caught:
            await asyncio.wait_for(w.wait_active(), 5)
        assert "does not exist" in str(caught.value)
        assert isinstance(caught.value, DatabaseUnreachable) and caught.value.exit_code == 3
        await w.stop()

    run(scenario())


def test_fenced_writes_refuse_a_stale_epoch(db_url: str) -> None:
    async def scenario() -> None:
        a = Warden(db_url, settings())
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        with psycopg.connect(db_url, autocommit=True) as conn:
            holds = "SELECT pgwarden.holds_epoch(%s, %s)"
            assert conn.execute(holds, ("bot", 1)).fetchone() == (True,)
            await a.stop()
            assert conn.execute(holds, ("bot", 1)).fetchone() == (False,)

    run(scenario())


def test_a_leader_whose_loop_stalls_stops_the_work_when_its_lease_runs_out(db_url: str) -> None:
    async def scenario() -> None:
        a = Warden(db_url, settings())
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        stopped_at: list[float] = []
        a.on_demote(lambda: stopped_at.append(time.monotonic()))
        loop = next(t for t in a._tasks if t.get_name() == "pgwarden-warden")
        loop.cancel()  # the loop stalls (a hung query, say); the event loop itself still runs
        await asyncio.gather(loop, return_exceptions=True)
        valid_until = a.leadership.valid_until
        await asyncio.wait_for(a.wait_inactive(), FAST["ttl"] + 1)
        # The work is told to stop (SIGTERM) before the lease runs out, and must be gone when it does.
        demotion = a.demotion
        assert demotion is not None and "runs out" in demotion.reason and not demotion.lost
        assert demotion.kill_by == valid_until and len(stopped_at) == 1 and stopped_at[0] < valid_until
        await a.stop()

    run(scenario())


def test_systemd_and_the_health_endpoints_see_the_role(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    import httpx

    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)

    async def scenario() -> None:
        async with Warden(db_url, settings(health_port=0)) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            await asyncio.sleep(0.4)
            async with httpx.AsyncClient(base_url=w.server.url) as client:
                ready = await client.get("/health/ready")
                assert ready.status_code == 200 and ready.json()["role"] == "active"
                metrics = (await client.get("/metrics")).text
                assert 'pgwarden_leader{name="bot"} 1.0' in metrics
                assert 'pgwarden_epoch{name="bot"} 1.0' in metrics
                assert (await client.get("/health/live")).status_code == 200

    try:
        asyncio.run(scenario())
        messages = []
        while True:
            try:
                messages.append(sock.recv(512).decode())
            except BlockingIOError:
                break
    finally:
        sock.close()
    assert messages[0] == "READY=1"
    assert messages.count("WATCHDOG=1") >= 2
    assert "STATUS=active bot epoch 1" in messages


def test_a_direct_standby_waits_out_a_pooled_leaders_lease_instead_of_taking_it(db_url: str) -> None:
    """A leader behind a transaction pooler holds no advisory lock: a standby on a direct URL must not
    read the free lock as a crash. It takes over only once the lease expired."""

    async def scenario() -> None:
        from uuid import uuid4

        from pgwarden.pooling import TRANSACTION, Pooling
        from pgwarden.runtime.leadership import Leadership, ensure_schema

        pooled = Leadership(db_url, settings(ttl=2.0), uuid4())
        pooled.pooling = Pooling(TRANSACTION, "as if behind PgBouncer")
        direct = Leadership(db_url, settings(ttl=2.0), uuid4())
        await ensure_schema(await direct.connect(), db_url)
        assert direct.direct
        first = await pooled.try_acquire()
        assert first is not None and not first.takeover
        started = time.monotonic()
        while (second := await direct.try_acquire()) is None:
            await asyncio.sleep(0.1)
        waited = time.monotonic() - started
        assert second.takeover and second.epoch == first.epoch + 1 and waited >= 1.5
        assert not await pooled.keep()  # the old leader learns at its next step
        await pooled.close()
        await direct.release()

    run(scenario())


def test_two_first_acquirers_that_both_read_no_lease_do_not_both_win(db_url: str) -> None:
    """Through a transaction pooler there is no advisory lock, and ``FOR UPDATE`` locks no row that does
    not exist yet: two instances starting together both read "no lease". The later upsert must not
    take the lease the earlier one just created (it did, with epoch 2 and no takeover recorded: the
    flaky test_two_instances_one_leader_through_restart_and_kill_9[transaction])."""
    from uuid import uuid4

    from pgwarden.runtime.connection import ensure_schema, open_connection, sql_text
    from pgwarden.runtime.leadership import _OLD_LEASE

    async def schema() -> None:
        conn = await open_connection(db_url, application_name="test", timeout=5.0, ttl=10.0)
        await ensure_schema(conn, db_url)
        await conn.close()

    run(schema())
    acquire = sql_text("acquire.sql").encode()
    with psycopg.connect(db_url) as a, psycopg.connect(db_url) as b:
        params = [
            {"name": "race", "holder": uuid4(), "ttl": 10.0, "direct": False, "seen": None} for _ in "ab"
        ]
        assert a.execute(_OLD_LEASE, params[0]).fetchone() is None
        assert b.execute(_OLD_LEASE, params[1]).fetchone() is None
        assert a.execute(acquire, params[0]).fetchone() == (1,)
        a.commit()
        assert b.execute(acquire, params[1]).fetchone() is None  # waited for a's row, then left it alone
        b.commit()
        row = a.execute("SELECT epoch, holder FROM pgwarden.leases WHERE name = 'race'").fetchone()
        assert row == (1, params[0]["holder"])


def test_an_instance_becomes_active_as_soon_as_its_gate_passes(db_url: str, tmp_path: Path) -> None:
    # The gate runs beside the loop; its end wakes the loop, so a restart does not wait out a check
    # interval (here 10 s) between the gate passing and taking the lease.
    from pgwarden.config import Config

    async def gate(*_args: object) -> list[str]:
        await asyncio.sleep(0.3)
        return []

    async def scenario() -> None:
        w = Warden(db_url, settings(ttl=30.0, check_interval=10.0), config=Config(migrations=tmp_path))
        w.gate.runner = gate
        started = time.monotonic()
        await w.start()
        await asyncio.wait_for(w.wait_active(), 15)
        took = time.monotonic() - started
        await w.stop()
        assert took < 5.0, f"active {took:.1f} s after start"

    run(scenario())


def test_the_lease_connection_opens_while_the_first_gate_runs(db_url: str, tmp_path: Path) -> None:
    # The gate's first run is a child process of its own: meanwhile the loop logs in for the lease and
    # probes the path to PostgreSQL, so a passing gate is followed by the promotion, not by a login
    # and the probe (up to a dozen round trips through a proxy).
    from pgwarden.config import Config

    w = Warden(db_url, settings(ttl=30.0, check_interval=10.0), config=Config(migrations=tmp_path))
    during: list[bool] = []

    async def gate(*_args: object) -> list[str]:
        deadline = time.monotonic() + 3.0
        while w.leadership.conn is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        during.append(w.leadership.conn is not None and w.leadership.pooling is not None)
        return []

    async def scenario() -> None:
        w.gate.runner = gate
        await w.start()
        await asyncio.wait_for(w.wait_active(), 15)
        await w.stop()

    run(scenario())
    assert during == [True], "the lease's connection was not open while the gate ran"
