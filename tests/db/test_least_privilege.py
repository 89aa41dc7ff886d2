"""Least privilege is a supported mode: CONNECT-only, read-only and no-SELECT roles never end in exit 70.

Each command either works, skips what the role may not read and says so (``check``), or stops
with exit 2 and the GRANT that would let it run. No output carries the role's password.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from project_support import create_login_role, drop_role, url_as, write_bookings_project
from psycopg import sql

from pgwarden.cli import main
from pgwarden.runtime.leadership import sql_text

PASSWORD = "LeastPriv-s3cret"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    write_bookings_project(tmp_path)
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    return tmp_path


@pytest.fixture
def roles(db_url: str, conn: psycopg.Connection) -> Iterator[dict[str, str]]:
    """URLs of three roles: CONNECT only, read-only with SELECT everywhere, and without SELECT."""
    suffix = uuid.uuid4().hex[:8]
    names = {kind: f"lp_{kind}_{suffix}" for kind in ("connect", "readonly", "noselect")}
    for name in names.values():
        create_login_role(conn, name, PASSWORD)
    readonly = sql.Identifier(names["readonly"])
    conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(readonly))
    for schema in ("public", "pgwarden"):
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), readonly))
        conn.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(sql.Identifier(schema), readonly)
        )
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(names["noselect"])))
    yield {kind: url_as(db_url, PASSWORD, name) for kind, name in names.items()}
    for name in names.values():
        drop_role(conn, name)


COMMANDS = (
    ("check",),
    ("status",),
    ("migrate", "status"),
    ("doctor", "env"),
    ("migrate", "up"),
    ("repair", "no-odd-status", "--apply"),
    ("snapshot", "-o", "snap.json"),
)


@pytest.mark.parametrize("kind", ["connect", "readonly", "noselect"])
def test_no_command_crashes_for_a_least_privilege_role(
    project: Path, roles: dict[str, str], kind: str
) -> None:
    for command in COMMANDS:
        code, out, err = run(*command, "--db", roles[kind])
        where = f"{kind}: pgwarden {' '.join(command)} -> {code}: {err}"
        assert code in (0, 1, 2), where
        assert "Traceback" not in err and "internal error" not in err, where
        assert PASSWORD not in out + err, where
        if code == 2:
            assert err.startswith("pgwarden: ") and len(err.strip().splitlines()) == 1, where
            assert "GRANT" in err or "read-only" in err, where


def test_check_skips_what_a_connect_only_role_cannot_read(project: Path, roles: dict[str, str]) -> None:
    code, out, err = run("check", "--db", roles["connect"], "--format", "json")
    assert code == 0, err
    assert "PW305" in out
    assert "GRANT USAGE ON SCHEMA pgwarden TO lp_connect_" in out
    # the invariant's table lives in a schema the role cannot use: a privilege, not "does not exist"
    assert "GRANT USAGE ON SCHEMA public TO lp_connect_" in out


def test_missing_select_is_named_as_a_grant(project: Path, roles: dict[str, str]) -> None:
    code, out, _ = run("check", "--db", roles["noselect"], "--format", "json")
    assert code == 0
    assert "GRANT SELECT ON TABLE bookings TO lp_noselect_" in out


def test_status_names_the_grant(project: Path, roles: dict[str, str], conn: psycopg.Connection) -> None:
    # That no instance ever registered is read from the catalog, which every role may read.
    code, out, err = run("status", "--db", roles["connect"])
    assert code == 0 and "no pgwarden instance has registered" in out, err
    conn.execute(sql_text("schema.sql").encode())  # what the first `pgwarden run` creates
    code, _, err = run("status", "--db", roles["connect"])
    assert code == 2
    assert "GRANT USAGE ON SCHEMA pgwarden TO lp_connect_" in err


def test_read_only_role_that_must_write_is_told_so(project: Path, roles: dict[str, str]) -> None:
    code, _, err = run("repair", "no-odd-status", "--apply", "--db", roles["readonly"])
    assert code == 2, err
    assert "read-only" in err and "default_transaction_read_only" in err


def test_run_stops_on_a_missing_grant_instead_of_waiting_forever(
    project: Path, roles: dict[str, str]
) -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pgwarden", "run", "--db", roles["connect"], "--", "sleep", "60"],
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert proc.returncode == 2, proc.stderr
    assert time.monotonic() - started < 30
    assert "GRANT USAGE ON SCHEMA pgwarden TO lp_connect_" in proc.stderr
    assert PASSWORD not in proc.stderr + proc.stdout
