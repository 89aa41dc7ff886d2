"""Bad input for ``pgwarden backup``: a clear sentence, the documented exit code, nothing partial left."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from backup_helpers import run, seed
from psycopg import sql

from pgwarden import backup
from pgwarden.backup.tools import ENV
from pgwarden.scratch import Scratch

SYSTEM15 = Path("/usr/lib/postgresql/15/bin")


def _major(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.info.server_version // 10000


def test_no_pg_dump(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv(ENV, str(empty))
    out_dir = tmp_path / "backups"
    code, out, err = run("create", "--db", db_url, "--dir", str(out_dir))
    assert code == 2 and out == ""
    assert "No pg_dump and pg_restore found" in err and f"postgresql-client-{_major(db_url)}" in err
    assert list(out_dir.iterdir()) == []


def test_client_older_than_the_server(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (SYSTEM15 / "pg_dump").is_file() or _major(db_url) <= 15:
        pytest.skip("needs a PostgreSQL 15 client and a newer server")
    monkeypatch.setenv(ENV, str(SYSTEM15))
    code, _, err = run("create", "--db", db_url, "--dir", str(tmp_path))
    assert code == 2
    major = _major(db_url)
    assert f"runs PostgreSQL {major}, but the newest pg_dump found is 15." in err
    assert f"postgresql-client-{major}" in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory(db_url: str, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = run("create", "--db", db_url, "--dir", str(a_file))
    assert code == 2 and f"{a_file} exists but is not a directory" in err
    code, _, err = run("create", "--db", db_url, "--dir", str(a_file / "below"))
    assert code == 2 and "Cannot write to the backup directory" in err and "Not a directory" in err
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = run("create", "--db", db_url, "--dir", str(locked))
        assert code == 2 and "Permission denied" in err


def test_wrong_credentials(db_url: str, tmp_path: Path) -> None:
    wrong = db_url.replace("postgresql://postgres@", "postgresql://nosuchuser:s3cret-pw@")
    code, _, err = run("create", "--db", wrong, "--dir", str(tmp_path))
    assert code == 3 and "refused the login" in err and "nosuchuser" in err
    assert "s3cret-pw" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _bulk(url: str) -> None:
    seed(url, rows=20)
    with psycopg.connect(url, autocommit=True) as conn:  # incompressible: the archive outgrows 64 kB
        conn.execute(
            "CREATE TABLE blobs AS SELECT g, gen_random_uuid()::text || md5(random()::text) AS v FROM generate_series(1, 20000) g"
        )


def test_full_disk_on_a_tiny_tmpfs(db_url: str, tiny_tmpfs: Path) -> None:
    _bulk(db_url)
    code, _, err = run("create", "--db", db_url, "--dir", str(tiny_tmpfs))
    assert code == 1 and "ran out of disk space" in err and "Nothing was kept" in err
    assert list(tiny_tmpfs.iterdir()) == []


def test_full_disk_as_a_file_size_limit(db_url: str, tmp_path: Path) -> None:
    _bulk(db_url)
    script = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); "
        "from pgwarden.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, "backup", "create", "--db", db_url, "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "ran out of disk space (or hit a file size limit)" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_backup_id_and_empty_directory(db_url: str, scratch: Scratch, tmp_path: Path) -> None:
    code, _, err = run("verify", "--dir", str(tmp_path), "--dev-url", scratch.server_url)
    assert code == 2 and "No complete backup" in err
    code, _, err = run("restore", "--to", db_url, "--dir", str(tmp_path), "--yes")
    assert code == 2 and "No verified backup" in err
    seed(db_url, rows=5)
    m = backup.create(db_url, tmp_path)
    code, _, err = run("verify", "nope", "--dir", str(tmp_path), "--dev-url", scratch.server_url)
    assert code == 2 and "No backup 'nope'" in err and m.id in err
    code, _, err = run("restore", "--to", db_url, "--dir", str(tmp_path), "--backup", "zzz", "--yes")
    assert code == 2 and "No backup 'zzz'" in err
    code, _, err = run("list")
    assert code == 2 and "--dir DIR or set `backup.dir`" in err


def test_restore_refuses_a_non_empty_target_unless_forced(
    db_url: str, scratch: Scratch, tmp_path: Path
) -> None:
    seed(db_url, rows=10)
    m = backup.create(db_url, tmp_path)
    code, _, err = run("restore", "--to", db_url, "--dir", str(tmp_path), "--backup", m.id)
    assert code == 2 and "pass --yes" in err
    code, _, err = run("restore", "--to", db_url, "--dir", str(tmp_path), "--backup", m.id, "--yes")
    assert code == 2 and "is not empty (" in err and "--force" in err
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DELETE FROM chat_rooms; DELETE FROM bookings WHERE id > 3")
    code, out, err = run(
        "restore",
        "--to",
        db_url,
        "--dir",
        str(tmp_path),
        "--backup",
        m.id[:-3],
        "--yes",
        "--force",
        "--format",
        "json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["backup"] == m.id and doc["rows"]["public.bookings"] == 20 and doc["mismatched"] == []


def test_failed_restore_leaves_the_target_untouched(db_url: str, scratch: Scratch, tmp_path: Path) -> None:
    role = f"bot_{secrets.token_hex(4)}"
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
        seed(db_url, rows=10)
        conn.execute(sql.SQL("ALTER TABLE bookings OWNER TO {}").format(sql.Identifier(role)))
    m = backup.create(db_url, tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:  # the role is gone by the time we restore
        conn.execute(sql.SQL("REASSIGN OWNED BY {} TO postgres").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    target = scratch.create_database("target")
    try:
        code, _, err = run("restore", "--to", target, "--dir", str(tmp_path), "--backup", m.id, "--yes")
        assert code == 1 and "failed and was rolled back" in err and role in err and "pass --no-owner" in err
        with psycopg.connect(target) as conn:  # users was created before the failure: rolled back
            assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'users'").fetchone() == (0,)
        code, out, err = run(
            "restore", "--to", target, "--dir", str(tmp_path), "--backup", m.id, "--yes", "--no-owner"
        )
        assert code == 0 and "public.bookings" in out, err
    finally:
        scratch.drop_database(target)
