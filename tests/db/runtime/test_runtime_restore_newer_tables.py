"""Restoring a backup while schema pgwarden holds a table newer than the backup (the data-loss ``restore`` policy).

pgwarden's history tables used to appear on their first write: a table created after the
newest backup made the guardian's restore fail on ``DROP SCHEMA pgwarden`` and roll back.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path

import psycopg
import pytest
from conftest import SERVERS
from psycopg import sql
from test_runtime_identity import INTERVAL, Webhook, alerts, until

from pgwarden.checks.invariants import Invariant
from pgwarden.checks.repair_runs import claim, ensure_table
from pgwarden.checks.run import Outcome
from pgwarden.checks.samples import record
from pgwarden.config import parse
from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.runtime.connection import ensure_schema, open_connection, sql_text
from pgwarden.scratch import Scratch


@pytest.fixture
def one_major(scratch: Scratch) -> None:
    if scratch.version != SERVERS[0].version:
        pytest.skip("one restore is enough")


def test_restore_succeeds_after_the_first_samples_and_repair_run(
    one_major: None, db_url: str, scratch: Scratch, tmp_path: Path
) -> None:
    from pgwarden.backup.create import create
    from pgwarden.backup.verify import verify

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1), (2)")
    backups = tmp_path / "backups"
    cfg = parse({"backup": {"dir": str(backups)}}, file=tmp_path / "pgwarden.toml")
    settings = RuntimeSettings(
        name="bot", ttl=1.2, check_interval=INTERVAL, data_loss_policy="restore", non_empty_tables=("users",)
    )
    inv = Invariant(name="no-users", check="SELECT id FROM users", origin="test")

    async def scenario() -> None:
        async with Webhook() as hook, Warden(db_url, settings, config=cfg, alerts=alerts(hook)) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            await asyncio.to_thread(create, db_url, backups)
            assert (await asyncio.to_thread(verify, backups, dev_url=scratch.server_url)).verified
            # After the backup: the guardian's first invariant samples, a first `pgwarden repair`.
            assert record(db_url, [Outcome(inv, count=2)]) == 1
            with psycopg.connect(db_url, autocommit=True) as conn:
                claim(conn, inv, db_url, 0.0)
                conn.execute("DROP TABLE users")
            await until(lambda: "data_loss_recovered" in hook.sent(), timeout=30)
            assert "data_loss_recovery" not in hook.sent()
            await asyncio.wait_for(w.wait_active(), 10)
            with psycopg.connect(db_url) as conn:
                assert conn.execute("SELECT count(*) FROM users").fetchone() == (2,)

    asyncio.run(scenario())


def test_restore_keeps_a_pgwarden_table_newer_than_the_backup(
    one_major: None, db_url: str, tmp_path: Path
) -> None:
    from pgwarden.backup.create import create
    from pgwarden.backup.restore import restore

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1), (2)")
        conn.execute(sql_text("schema.sql").encode())
    manifest = create(db_url, tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:
        # A pgwarden table from a later release, and data written after the backup.
        conn.execute(
            "CREATE TABLE pgwarden.from_a_later_release (x int); INSERT INTO pgwarden.from_a_later_release VALUES (7)"
        )
        conn.execute("INSERT INTO users VALUES (3)")
    result = restore(db_url, tmp_path, manifest.id, force=True)
    assert result.rows["public.users"] == 2
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT x FROM pgwarden.from_a_later_release").fetchall() == [(7,)]
        assert conn.execute("SELECT to_regclass('pgwarden.leases') IS NOT NULL").fetchone() == (True,)


HISTORY = ("pgwarden.events", "pgwarden.invariant_samples", "pgwarden.repair_runs", "pgwarden.repair_batches")


def _present(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            t
            for t in HISTORY
            if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (t,)).fetchone() == (True,)
        ]


def test_an_older_install_gets_the_history_tables_at_start_and_a_role_without_create_is_told_once(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    role = f"pgw_nocreate_{secrets.token_hex(3)}"
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql_text("schema.sql").encode())  # the runtime's tables of a release before these
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA pgwarden TO {}").format(sql.Identifier(role)))
    limited = db_url.replace("postgresql://postgres@", f"postgresql://{role}@")
    inv = Invariant(name="x", check="SELECT 1", origin="test")

    async def start(url: str, times: int) -> None:
        for _ in range(times):  # every new connection of the guardian runs ensure_schema
            conn = await open_connection(url, application_name="test", timeout=5, ttl=5)
            async with conn:
                await ensure_schema(conn, url)

    try:
        with caplog.at_level(logging.WARNING, logger="pgwarden.runtime"):
            asyncio.run(start(limited, 3))
        told = [r.getMessage() for r in caplog.records if "may not create" in r.getMessage()]
        assert len(told) == 3 and all(f"GRANT CREATE ON SCHEMA pgwarden TO {role}" in m for m in told), told
        assert _present(db_url) == []
        assert record(limited, [Outcome(inv, count=1)]) == 0, "nothing recorded, no failure"
        asyncio.run(start(db_url, 2))  # the next start by the owner creates them, idempotently
        assert _present(db_url) == list(HISTORY)
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_repair_creates_its_tables_where_no_guardian_ran(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        ensure_table(conn)
        ensure_table(conn)  # idempotent, and no DDL once they exist
    assert _present(db_url) == ["pgwarden.repair_runs", "pgwarden.repair_batches"]
