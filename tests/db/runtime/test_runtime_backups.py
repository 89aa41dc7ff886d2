"""The active instance backs up on schedule, verifies by restoring, and alerts when backups are unhealthy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from conftest import SERVERS
from test_runtime_identity import INTERVAL, Webhook, alerts, until

from pgwarden import backup
from pgwarden.config import parse
from pgwarden.errors import ConfigError
from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.scratch import Scratch

SETTINGS = RuntimeSettings(name="bot", ttl=1.2, check_interval=INTERVAL)


@pytest.fixture
def one_major(scratch: Scratch) -> None:
    if scratch.version != SERVERS[0].version:
        pytest.skip("pg_dump and a verifying restore on one major are enough")


def test_the_active_instance_backs_up_on_schedule_and_verifies(
    one_major: None, db_url: str, scratch: Scratch, tmp_path: Path
) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1), (2)")
    folder = tmp_path / "backups"
    cfg = parse(
        {"dev_url": scratch.server_url, "backup": {"dir": str(folder), "schedule": "every 6h"}},
        file=tmp_path / "pgwarden.toml",
    )

    async def scenario() -> None:
        async with Webhook() as hook, Warden(db_url, SETTINGS, config=cfg, alerts=alerts(hook)) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            await until(lambda: backup.last_run(folder) is not None, timeout=60)
            last = backup.last_run(folder)
            assert last is not None and last.ok
            newest = backup.newest_verified(folder)
            assert newest is not None and newest.id == last.backup_id
            await asyncio.sleep(1.0)  # one run per slot, and nothing to alert about
            files = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
            assert files == [f"{last.backup_id}.dump", f"{last.backup_id}.json"]
            assert hook.sent() == []

    asyncio.run(scenario())
    assert _events(db_url) == [
        ("backup", "ok", f"Backup {last_id(folder)} created and verified by a restore.")
    ]


def test_a_failed_run_and_stale_backups_are_alerted(one_major: None, db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    cfg = parse(
        {
            "dev_url": "postgresql://nobody@127.0.0.1:1/postgres",  # the verifying restore cannot start
            "backup": {"dir": str(folder), "schedule": "every 6h", "max_age": "1h"},
        },
        file=tmp_path / "pgwarden.toml",
    )

    async def scenario() -> None:
        async with Webhook() as hook, Warden(db_url, SETTINGS, config=cfg, alerts=alerts(hook)) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            await until(lambda: "backup_failed" in hook.sent(), timeout=60)
            await until(lambda: "backup:no_verified_backup" in hook.sent(), timeout=10)
            body = next(b for b in hook.bodies if b["key"] == "backup_failed")
            assert "nobody" not in str(body) or "127.0.0.1:1" in str(body)

    asyncio.run(scenario())
    assert [(k, o) for k, o, _ in _events(db_url)] == [("backup", "bad")], "the console's timeline has it"


def last_id(folder: Path) -> str:
    last = backup.last_run(folder)
    assert last is not None
    return str(last.backup_id)


def _events(url: str) -> list[tuple[str, str, str]]:
    """The guardian's backup events in pgwarden.events (leadership events left out: the test stops it)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT kind, outcome, summary FROM pgwarden.events WHERE kind = 'backup' ORDER BY id"
        ).fetchall()


def test_a_bad_backup_section_fails_at_construction(tmp_path: Path) -> None:
    cfg = parse({"backup": {"dir": str(tmp_path), "schedule": "sometimes"}}, file=tmp_path / "pgwarden.toml")
    with pytest.raises(ConfigError, match="backup.schedule"):
        Warden("postgresql://x@h/db", SETTINGS, config=cfg)
