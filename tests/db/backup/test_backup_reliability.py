"""Backups with a real PostgreSQL: restore after data loss is identical; damage, other clusters, kill -9 caught."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import psycopg
import pytest
from backup_helpers import checksums, dbname, drop_and_recreate, run, seed, server_url
from psycopg import sql

from pgwarden import backup
from pgwarden.backup.manifest import read_manifest, write_manifest
from pgwarden.scratch import Scratch, open_scratch
from pgwarden.urls import with_dbname


def test_create_lose_everything_restore_is_identical(db_url: str, scratch: Scratch, tmp_path: Path) -> None:
    seed(db_url)
    before = checksums(db_url)
    code, out, err = run(
        "create", "--db", db_url, "--dir", str(tmp_path), "--verify", "--dev-url", scratch.server_url
    )
    assert code == 0, err
    assert "verified" in out and "3 tables" not in out
    (manifest_path,) = tmp_path.glob("*.json")
    m = read_manifest(manifest_path)
    assert m.status == "verified" and m.tables["public.users"].rows == 300 and m.tables["public.users"].exact
    assert m.tables["public.chat_rooms"].rows == before["public.chat_rooms"][0] > 0
    assert oct((tmp_path / m.file).stat().st_mode & 0o777) == "0o600"  # the archive holds the data

    drop_and_recreate(db_url)
    assert checksums(db_url) == {}
    code, out, err = run("restore", "--to", db_url, "--dir", str(tmp_path), "--yes")
    assert code == 0, err
    assert m.id in out and "public.users" in out and "300 rows" in out
    assert checksums(db_url) == before
    with psycopg.connect(db_url, autocommit=True) as conn:  # the trigger came back, and fires
        conn.execute("INSERT INTO bookings (user_id, active) VALUES (1, true)")
        assert conn.execute("SELECT count(*) FROM chat_rooms").fetchone() == (
            before["public.chat_rooms"][0] + 1,
        )


def _flip(path: Path, at: float, count: int = 64) -> None:
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    for i in range(start, min(start + count, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _rehash(directory: Path, ident: str) -> None:
    """Make the manifest agree with the damaged archive, so only the restore can catch it."""
    m = read_manifest(directory / f"{ident}.json")
    data = (directory / m.file).read_bytes()

    m.size, m.sha256 = len(data), hashlib.sha256(data).hexdigest()
    write_manifest(directory, m)


@pytest.mark.parametrize(
    ("damage", "rehash", "kind"),
    [
        ("flip", False, "backup_archive_damaged"),
        ("truncate", False, "backup_archive_damaged"),
        ("flip", True, "backup_restore_failed"),
        ("truncate", True, "backup_restore_failed"),
    ],
)
def test_damaged_archives_fail_verification(
    db_url: str, scratch: Scratch, tmp_path: Path, damage: str, rehash: bool, kind: str
) -> None:
    seed(db_url, rows=2000)
    m = backup.create(db_url, tmp_path)
    archive = tmp_path / m.file
    if damage == "flip":
        _flip(archive, 0.7)
    else:
        archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    if rehash:
        _rehash(tmp_path, m.id)
    code, out, err = run(
        "verify", m.id, "--dir", str(tmp_path), "--dev-url", scratch.server_url, "--format", "json"
    )
    doc = json.loads(out)
    assert code == 1, err
    assert doc["verified"] is False and [f["kind"] for f in doc["findings"]] == [kind]
    assert read_manifest(tmp_path / f"{m.id}.json").status == "failed"
    code, out, _ = run("list", "--dir", str(tmp_path), "--format", "json")
    (entry,) = json.loads(out)["backups"]
    assert entry["status"] in ("failed", "damaged") and entry["status"] != "verified"
    # restore never picks it: there is no verified backup
    code, _, err = run("restore", "--to", db_url, "--dir", str(tmp_path), "--yes")
    assert code == 2 and "No verified backup" in err


def test_a_backup_from_another_cluster_is_flagged(
    db_url: str, scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new system identifier needs a real initdb: copies of the initdb template share the template's.
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")
    with open_scratch() as other:
        # the same database name on a new cluster: what a re-initialised server looks like
        with psycopg.connect(other.server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname(db_url))))
        source = with_dbname(other.server_url, dbname(db_url))
        seed(source, rows=20)
        m = backup.create(source, tmp_path)
        result = backup.verify(tmp_path, m.id, dev_url=scratch.server_url, live_url=db_url)
    assert result.verified and [f.kind for f in result.cluster] == ["backup_cluster_mismatch"]
    finding = result.cluster[0]
    assert finding.code == "PW606" and finding.evidence["backup_system_identifier"] == m.system_identifier
    assert [f.kind for f in backup.health(tmp_path, db_url, backup.Settings())] == ["backup_cluster_mismatch"]
    code, out, _ = run("list", "--db", db_url, "--dir", str(tmp_path))
    assert code == 1 and "PW606" in out and "another PostgreSQL cluster" in out
    # ... and the same cluster is not flagged
    mine = backup.create(db_url, tmp_path)
    assert backup.verify(tmp_path, mine.id, dev_url=scratch.server_url, live_url=db_url).cluster == []


def wait_for_dump(pid: int) -> list[psutil.Process]:
    """The pg_dump processes under ``pid`` that dump (not the short ``pg_dump --version`` probes)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)
        found = []
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):  # a probe may exit between list and read
                if child.name() == "pg_dump" and any(a.startswith("--snapshot=") for a in child.cmdline()):
                    found.append(child)
        if found:
            return found
    return []


def test_kill_9_during_create_leaves_nothing_that_looks_complete(db_url: str, tmp_path: Path) -> None:
    seed(db_url, rows=50)
    with psycopg.connect(db_url) as locker:
        # pg_dump waits for this lock with its archive open: a create caught mid-dump
        locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pgwarden", "backup", "create", "--db", db_url, "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        children: list[psutil.Process] = []
        try:
            dumping = wait_for_dump(proc.pid)
            assert dumping, "pg_dump never started"
            time.sleep(0.3)
        finally:
            with contextlib.suppress(psutil.NoSuchProcess):
                children = psutil.Process(proc.pid).children(recursive=True)
            os.kill(proc.pid, signal.SIGKILL)  # kill -9 of pgwarden, then of what it had started
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            proc.wait(10)
    assert list(tmp_path.iterdir()), "the interrupted create left no trace at all"
    code, out, _ = run("list", "--dir", str(tmp_path), "--format", "json")
    entries = json.loads(out)["backups"]
    assert code == 0 and entries and all(not e["complete"] and e["status"] == "incomplete" for e in entries)
    code, _, err = run("verify", "--dir", str(tmp_path), "--dev-url", server_url(db_url))
    assert code == 2 and "No complete backup" in err
    assert backup.newest_verified(tmp_path) is None


def test_row_counts_and_schema_are_compared_with_the_manifest(
    db_url: str, scratch: Scratch, tmp_path: Path
) -> None:
    seed(db_url, rows=50)
    m = backup.create(db_url, tmp_path)
    m.tables["public.users"] = backup.TableCount(51, True)  # one row the archive does not hold
    m.tables["public.gone"] = backup.TableCount(1, True)
    m.tables["public.bookings"] = backup.TableCount(5000, False)  # an estimate far off
    m.schema_fingerprint = "0" * 64
    write_manifest(tmp_path, m)
    result = backup.verify(tmp_path, m.id, dev_url=scratch.server_url)
    assert not result.verified
    by_object = {f.object: f for f in result.problems}
    assert set(by_object) == {m.id, f"{m.id}:public.users", f"{m.id}:public.gone", f"{m.id}:public.bookings"}
    assert by_object[m.id].kind == "backup_schema_mismatch"
    assert by_object[f"{m.id}:public.users"].message == (
        "Table public.users has 50 rows in the restored copy; the backup recorded 51."
    )
    assert "is missing from the restored copy" in by_object[f"{m.id}:public.gone"].message
    assert "recorded about 5000" in by_object[f"{m.id}:public.bookings"].message
    m.tables = {"public.users": backup.TableCount(50, True), "public.bookings": backup.TableCount(95, False)}
    m.schema_fingerprint = read_manifest(
        tmp_path / f"{m.id}.json"
    ).schema_fingerprint_portable  # wrong on purpose
    write_manifest(tmp_path, m)
    again = backup.verify(tmp_path, m.id, dev_url=scratch.server_url)
    assert [f.kind for f in again.problems] == ["backup_schema_mismatch"]  # the estimate 95 ~ 100 passes


def test_verify_starts_a_throwaway_cluster_of_a_major_at_least_the_backups(
    db_url: str, tmp_path: Path
) -> None:
    seed(db_url, rows=10)
    m = backup.create(db_url, tmp_path)
    result = backup.verify(tmp_path, m.id)  # no dev_url: initdb + pg_ctl from the machine's binaries
    assert result.verified, result.problems
    recorded = read_manifest(tmp_path / f"{m.id}.json").verification
    assert recorded is not None and recorded.scratch == f"a throwaway PostgreSQL {m.server_major} cluster"
    assert recorded.rows["public.users"] == 10


def test_create_and_verify_from_threads_at_once(db_url: str, scratch: Scratch, tmp_path: Path) -> None:
    seed(db_url, rows=10)
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda _: backup.create(db_url, tmp_path), range(2)))
        assert made[0].id != made[1].id  # same second, distinct ids: reserved exclusively
        results = list(pool.map(lambda m: backup.verify(tmp_path, m.id, dev_url=scratch.server_url), made))
    assert all(r.verified for r in results)
    assert sorted(e.id for e in backup.scan(tmp_path) if e.status == "verified") == sorted(m.id for m in made)
