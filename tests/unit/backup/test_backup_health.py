"""Why backups are unhealthy for a live cluster: none verified, too old, another cluster, a failed run."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from backup_factory import manifest

from pgwarden.backup.health import STATE_FILE, LastRun, assess, health, last_run
from pgwarden.backup.manifest import Verification, write_manifest
from pgwarden.backup.settings import Settings

M = manifest()
NOW = M.started + timedelta(hours=2)
SYSID = str(M.system_identifier)


def kinds(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "newest_verified": M,
        "newest_backup": M,
        "last": None,
        "live_system_identifier": SYSID,
        "max_age": 26 * 3600.0,
        "now": NOW,
        "where": "/var/backups/app",
    }
    args.update(kw)
    return [f.kind for f in assess(**args)]  # type: ignore[arg-type]


def test_healthy() -> None:
    assert kinds() == []
    ok = LastRun("2025-03-01T02:30:00Z", "2025-03-01T02:31:00Z", True, M.id)
    assert kinds(last=ok, live_system_identifier=None) == []


def test_each_reason() -> None:
    assert kinds(newest_verified=None, newest_backup=None) == ["no_verified_backup"]
    assert kinds(now=M.started + timedelta(days=2)) == ["backup_too_old"]
    assert kinds(live_system_identifier="1") == ["backup_cluster_mismatch"]
    failed = LastRun(
        "2025-03-01T02:30:00Z", "2025-03-01T02:31:00Z", False, None, "pg_dump ran out of disk space"
    )
    assert kinds(last=failed) == ["backup_run_failed"]


def test_findings_are_complete_sentences_with_codes() -> None:
    (found,) = assess(
        newest_verified=M,
        newest_backup=M,
        last=None,
        live_system_identifier=SYSID,
        max_age=3600.0,
        now=NOW,
        where="/b",
    )
    assert found.code == "PW605" and found.source == "backup" and "2.0 h old" in found.message
    assert "1 min" not in found.message and found.evidence["age_s"] == 7200


def test_health_reads_the_directory_and_the_state_file(tmp_path: Path) -> None:
    assert [f.kind for f in health(tmp_path, None, Settings())] == ["no_verified_backup"]
    m = manifest()
    m.verification = Verification("verified", m.started_at, 1.0, "scratch")
    (tmp_path / m.file).write_bytes(b"PGDM")
    write_manifest(tmp_path, m)
    assert health(tmp_path, None, Settings(), now=NOW) == []
    (tmp_path / STATE_FILE).write_text(
        json.dumps(
            {
                "last_run": {
                    "started_at": "2025-03-01T04:00:00Z",
                    "finished_at": "x",
                    "ok": False,
                    "error": "boom",
                }
            }
        )
    )
    run = last_run(tmp_path)
    assert run is not None and not run.ok
    assert [f.kind for f in health(tmp_path, None, Settings(), now=NOW)] == ["backup_run_failed"]
    (tmp_path / STATE_FILE).write_text("{broken")
    assert last_run(tmp_path) is None
