"""Retention: N daily and M weekly slots per database, failed backups fill none, the newest verified stays."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from backup_factory import manifest

from pgwarden.backup.manifest import Manifest, Verification, format_time, write_manifest
from pgwarden.backup.retain import plan, prune

START = datetime(2025, 3, 31, 2, 30, tzinfo=timezone.utc)  # a Monday


def daily(days: int, *, status: dict[int, str] | None = None, db: str = "app") -> list[Manifest]:
    """One backup a day for ``days`` days back from START; ``status`` maps day offset -> verification."""
    out = []
    for d in range(days):
        when = START - timedelta(days=d)
        m = manifest(f"{db}-{when:%Y%m%d-%H%M%S}", started=format_time(when), dbname=db)
        state = (status or {}).get(d, "verified")
        if state != "unverified":
            m.verification = Verification(state, format_time(when), 1.0, "scratch")
        out.append(m)
    return out


def test_daily_and_weekly_slots() -> None:
    backups = daily(30)
    result = plan(backups, keep_daily=3, keep_weekly=3)
    kept = sorted(result.keep, reverse=True)
    assert kept == [
        "app-20250331-023000",  # newest verified, daily, weekly W14
        "app-20250330-023000",  # daily; newest of W13
        "app-20250329-023000",  # daily
        "app-20250323-023000",  # newest of W12
    ]
    assert result.keep["app-20250331-023000"] == "newest verified"
    assert result.keep["app-20250323-023000"] == "weekly 2025-W12"
    assert len(result.delete) == 26 and not set(result.delete) & set(result.keep)


def test_the_newest_verified_backup_is_kept_even_with_no_slots() -> None:
    backups = daily(5, status={0: "failed", 1: "unverified"})
    result = plan(backups, keep_daily=0, keep_weekly=0)
    assert list(result.keep) == ["app-20250329-023000"]


def test_failed_backups_fill_no_slot() -> None:
    backups = daily(4, status={0: "failed", 1: "failed"})
    result = plan(backups, keep_daily=2, keep_weekly=0)
    assert sorted(result.keep) == ["app-20250328-023000", "app-20250329-023000"]
    assert "app-20250331-023000" in result.delete


def test_each_database_keeps_its_own() -> None:
    result = plan([*daily(3, db="app"), *daily(3, db="crm")], keep_daily=1, keep_weekly=0)
    assert sorted(result.keep) == ["app-20250331-023000", "crm-20250331-023000"]
    assert len(result.delete) == 4


def test_prune_deletes_files_and_dry_run_does_not(tmp_path: Path) -> None:
    for m in daily(4):
        (tmp_path / m.file).write_bytes(b"PGDM")
        write_manifest(tmp_path, m)
    stale = tmp_path / ".app-20250101-000000.dump.tmp"
    stale.write_bytes(b"PG")
    fresh = tmp_path / ".app-20250401-000000.dump.tmp"  # may be a create still running
    fresh.write_bytes(b"PG")
    old = datetime(2025, 1, 1).timestamp()
    os.utime(stale, (old, old))
    dry = prune(tmp_path, keep_daily=1, keep_weekly=0, dry_run=True)
    assert dry.plan.delete and dry.leftovers == [stale.name] and len(list(tmp_path.iterdir())) == 10
    done = prune(tmp_path, keep_daily=1, keep_weekly=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["app-20250331-023000.dump", "app-20250331-023000.json", fresh.name]
    )
    assert (
        done.freed == dry.freed == 3 * 4 + 3 * len((tmp_path / "app-20250331-023000.json").read_bytes()) + 2
    )
