"""`pgwarden status` and the schema gate with real PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.config import parse
from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.scratch import Scratch

FAST = RuntimeSettings(name="bot", ttl=1.0, check_interval=0.15)


async def freeze(w: Warden) -> None:
    """What SIGSTOP does to an instance: its loop and its lease guard stop; its session stays open."""
    tasks = [t for t in w._tasks if t.get_name() == "pgwarden-warden"] + (
        [w.lease.guard] if w.lease.guard else []
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    w.lease.guard = None


def status(db_url: str, *extra: str) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    code = main(["status", "--db", db_url, "--format", "json", *extra], out=out, err=io.StringIO())
    return code, json.loads(out.getvalue())


def test_status_flags_stale_code_silent_instances_and_the_last_takeover(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, doc = status(db_url)
    assert code == 0 and doc["instances"] == []

    async def scenario() -> None:
        monkeypatch.setenv("PGWARDEN_CODE_VERSION", "old-release")
        old = Warden(db_url, FAST)
        monkeypatch.setenv("PGWARDEN_CODE_VERSION", "new-release")
        new = Warden(db_url, FAST)
        await old.start()
        await asyncio.wait_for(old.wait_active(), 5)
        await new.start()
        await asyncio.sleep(0.4)
        code, doc = await asyncio.to_thread(status, db_url)
        kinds = {f["kind"]: f for f in doc["findings"]}  # type: ignore[union-attr]
        assert (
            "stale_code_version" in kinds
            and kinds["stale_code_version"]["evidence"]["running"] == "old-release"
        )
        assert code == 0  # a stale deploy is a warning
        roles = sorted(i["role"] for i in doc["instances"])  # type: ignore[union-attr]
        assert roles == ["active", "standby"]
        # the old one hangs: it is flagged as silent, and the new one takes over
        await freeze(old)
        await asyncio.wait_for(new.wait_active(), 5)
        await asyncio.sleep(0.5)  # its last report is now older than ttl
        code, doc = await asyncio.to_thread(status, db_url, "--strict")
        kinds = {f["kind"]: f for f in doc["findings"]}  # type: ignore[union-attr]
        assert "instance_not_seen" in kinds and "leader_takeover" in kinds, [
            (i["role"], i["seen_seconds_ago"], i["code_version"]) for i in doc["instances"]
        ]
        assert "expired" in kinds["leader_takeover"]["message"]
        assert code == 1
        await new.stop()
        await old.stop()

    asyncio.run(scenario())


def test_the_schema_gate_keeps_an_instance_not_ready_until_migrations_are_applied(
    db_url: str, scratch: Scratch, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_users.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    file = tmp_path / "pgwarden.toml"
    cfg = parse({"migrations": "migrations", "dev_url": scratch.server_url}, file=file)

    async def scenario() -> None:
        async with Warden(db_url, FAST, config=cfg) as w:
            await asyncio.sleep(0.1)
            for _ in range(
                1200
            ):  # the gate's first check runs on a scratch cluster: slow on a loaded machine
                if w.gate.reasons is not None:
                    break
                await asyncio.sleep(0.05)
            assert not w.ready and not w.is_active
            assert any("pending" in r for r in w.reasons), w.reasons
            code, doc = await asyncio.to_thread(status, db_url)
            assert code == 1 and "not_ready" in {f["kind"] for f in doc["findings"]}  # type: ignore[union-attr]
        auto = RuntimeSettings(name="bot", ttl=1.0, check_interval=0.15, auto_migrate=True)
        async with Warden(db_url, auto, config=cfg) as w:
            await asyncio.wait_for(w.wait_active(), 20)
        with psycopg.connect(db_url) as conn:
            assert conn.execute("SELECT to_regclass('users') IS NOT NULL").fetchone() == (True,)

    asyncio.run(scenario())
