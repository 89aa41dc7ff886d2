"""Manifests round-trip; a directory scan calls only manifest + archive of the recorded size complete."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest
from backup_factory import manifest

from pgwarden.backup.manifest import (
    Verification,
    atomic_write,
    read_manifest,
    scan,
    write_manifest,
)
from pgwarden.backup.report import age, entry_dict, size


def test_round_trip_with_verification(tmp_path: Path) -> None:
    m = manifest()
    m.verification = Verification("verified", "2025-03-01T02:31:00Z", 2.0, "scratch", rows={"public.t": 3})
    path = write_manifest(tmp_path, m)
    back = read_manifest(path)
    assert back == m and back.status == "verified" and back.server_major == 16
    doc = json.loads(path.read_text())
    assert doc["format"] == "pgwarden-backup" and doc["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{", "cannot read it"),
        ('{"format": "other"}', "not a pgwarden-backup manifest"),
        ('{"format": "pgwarden-backup", "version": 9}', "manifest version 9"),
        ('{"format": "pgwarden-backup", "version": 1, "id": "x"}', "missing or unexpected field"),
    ],
)
def test_malformed_manifests_are_refused(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "x.json").write_text(text)
    with pytest.raises(ValueError, match=match):
        read_manifest(tmp_path / "x.json")


def test_scan_tells_complete_from_everything_else(tmp_path: Path) -> None:
    good = manifest("app-20250301-023000")
    (tmp_path / good.file).write_bytes(b"PGDM")
    write_manifest(tmp_path, good)
    short = manifest("app-20250302-023000", started="2025-03-02T02:30:00Z")
    (tmp_path / short.file).write_bytes(b"PG")  # truncated after the manifest was written
    write_manifest(tmp_path, short)
    write_manifest(tmp_path, manifest("app-20250303-023000", started="2025-03-03T02:30:00Z"))  # no archive
    (tmp_path / "app-20250304-023000.dump").write_bytes(b"PGDM")  # killed before the manifest
    (tmp_path / ".app-20250305-023000.dump.tmp").write_bytes(b"PG")  # killed during pg_dump
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / ".pgwarden-backup-state.json").write_text("{}")  # the scheduled-run record
    (tmp_path / ".pgwarden-backup-state.json.x1.tmp").write_text("{}")
    (tmp_path / ".probe.x2.tmp").write_text("")
    entries = {e.id: e for e in scan(tmp_path)}
    assert set(entries) == {
        "app-20250301-023000",
        "app-20250302-023000",
        "app-20250303-023000",
        "app-20250304-023000",
        "app-20250305-023000",
        "broken",
    }
    assert [i for i, e in entries.items() if e.complete] == ["app-20250301-023000"]
    assert entries["app-20250301-023000"].status == "unverified"
    assert "has 2 bytes" in str(entries["app-20250302-023000"].problem)
    assert "is missing" in str(entries["app-20250303-023000"].problem)
    assert "without a manifest" in str(entries["app-20250304-023000"].problem)
    assert "temporary file" in str(entries["app-20250305-023000"].problem)
    assert entries["app-20250302-023000"].status == "damaged"
    assert all(
        e.status == "incomplete"
        for i, e in entries.items()
        if i not in ("app-20250301-023000", "app-20250302-023000")
    )


def test_scan_of_a_missing_directory_is_empty(tmp_path: Path) -> None:
    assert scan(tmp_path / "nope") == []


def test_atomic_write_leaves_the_old_file_when_the_disk_is_full(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("old")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, hard))  # Python ignores SIGXFSZ: writes fail with EFBIG
    try:
        with pytest.raises(OSError):
            atomic_write(target, b"x" * 4096)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_report_helpers(tmp_path: Path) -> None:
    assert (size(512), size(1536), size(50 * 1024 * 1024)) == ("512 B", "1.5 kB", "50 MB")
    assert (age(5), age(90), age(7200), age(200000)) == ("5s", "1m", "2h00m", "2d7h")
    m = manifest()
    (tmp_path / m.file).write_bytes(b"PGDM")
    write_manifest(tmp_path, m)
    doc = entry_dict(scan(tmp_path)[0], m.started)
    assert doc["complete"] and doc["status"] == "unverified" and doc["age_s"] == 0 and doc["tables"] == 1
