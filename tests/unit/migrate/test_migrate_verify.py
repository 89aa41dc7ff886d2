"""Ledger rows against the folder, without a database: each verify finding and its code."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from pgwarden.codes import lookup
from pgwarden.migrate import MigrationFile
from pgwarden.migrate.consistency import verify_rows
from pgwarden.migrate.ledger import Applied
from pgwarden.migrate.runner import conflicts, pending


def file(version: int, text: str = "SELECT 1;\n") -> MigrationFile:
    return MigrationFile(
        version=version,
        name=f"v{version}",
        path=Path(f"migrations/{version:03d}_v{version}.sql"),
        sql=text,
        checksum=hashlib.sha256(text.encode()).hexdigest(),
    )


def row(
    f: MigrationFile,
    *,
    success: bool = True,
    checksum: str | None = None,
    done: int | None = None,
    error: str | None = None,
) -> Applied:
    return Applied(
        f.version,
        f.name,
        checksum or f.checksum,
        datetime.now(timezone.utc),
        3,
        {"host": "h", "pid": 1},
        success,
        error,
        done,
    )


def kinds(applied: dict[int, Applied], files: list[MigrationFile]) -> list[tuple[str, str]]:
    return sorted((f.kind, f.object) for f in verify_rows(applied, files))


def test_a_clean_ledger_has_no_findings() -> None:
    files = [file(1), file(2)]
    assert verify_rows({f.version: row(f) for f in files}, files) == []


def test_pending_files_are_warnings() -> None:
    files = [file(1), file(2)]
    [found] = verify_rows({1: row(files[0])}, files)
    assert (found.code, found.kind, found.severity.value, found.source) == (
        "PW206",
        "pending_migration",
        "warning",
        "migrate",
    )
    assert found.object == "migrations/002_v2.sql"


def test_an_edited_applied_file() -> None:
    files = [file(1)]
    [found] = verify_rows({1: row(files[0], checksum="0" * 64)}, files)
    assert found.kind == "checksum_mismatch" and found.severity.value == "error"
    assert found.evidence["applied_checksum"] == "0" * 64 and "repair --mark-applied 1" in found.hint


def test_missing_file_versus_newer_database() -> None:
    one, two, three = file(1), file(2), file(3)
    applied = {1: row(one), 2: row(two), 3: row(three)}
    assert kinds(applied, [one, three]) == [("missing_migration_file", "2_v2.sql")]
    assert kinds(applied, [one, two]) == [("database_ahead", "3_v3.sql")]


def test_out_of_order_pending_file() -> None:
    one, two, three = file(1), file(2), file(3)
    found = verify_rows({1: row(one), 3: row(three)}, [one, two, three])
    assert [(f.kind, f.evidence["newest_applied"]) for f in found] == [("out_of_order_migration", 3)]


def test_failed_and_partial_runs() -> None:
    one, two = file(1), file(2)
    found = verify_rows(
        {1: row(one, success=False, error="boom"), 2: row(two, success=False, done=2)}, [one, two]
    )
    messages = sorted(f.message for f in found)
    assert all(f.kind == "failed_migration" for f in found)
    assert "001_v1.sql failed on its last run: boom" in messages[0]
    assert "stopped after statement 2" in messages[1]


def test_every_verify_kind_is_registered() -> None:
    for kind_code in (
        "PW201",
        "PW202",
        "PW203",
        "PW204",
        "PW205",
        "PW206",
        "PW207",
        "PW208",
        "PW209",
        "PW210",
    ):
        assert lookup(kind_code) is not None


def test_pending_and_conflicts() -> None:
    one, two, three = file(1), file(2), file(3)
    applied = {1: row(one), 2: row(two, success=False)}
    assert [f.version for f in pending([one, two, three], applied)] == [2, 3]
    assert [f.version for f in pending([one, two, three], applied, to=2)] == [2]
    assert conflicts([one, two, three], applied) == []
    edited = {1: row(one, checksum="x"), 3: row(three)}
    reasons = conflicts([one, two, three], edited)
    assert (
        len(reasons) == 2
        and "edited after it was applied" in reasons[0]
        and "older than applied version 3" in reasons[1]
    )
