"""Restoring a backup while schema pgwarden holds a table newer than the backup (the data-loss ``restore`` policy).

pgwarden's history tables used to appear on their first write: a table created after the
newest backup made the guardian's restore fail on ``DROP SCHEMA pgwarden`` and roll back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from conftest import SERVERS
from test_runtime_identity import INTERVAL, Webhook, alerts, until

from pgwarden.checks.invariants import Invariant
from pgwarden.checks.repair_runs import claim
from pgwarden.checks.run import Outcome
from pgwarden.checks.samples import record
from pgwarden.config import parse
from pgwarden.runtime import RuntimeSettings, Warden
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
