"""The URL's sources end to end: a command finds the live database through .env parts and libpq's PG*."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from pgwarden.cli import main

_CLEAN = ("DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGHOSTADDR")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*_CLEAN, "DB_HOST", "DB_PORT", "DB_USER", "DB_PASS", "DB_NAME"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_libpq_variables_alone_reach_the_database(
    db_url: str, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    parts = conninfo_to_dict(db_url)  # host may be a socket folder in the query
    clean_env.chdir(tmp_path)
    clean_env.setenv("PGHOST", str(parts.get("host", "localhost")))
    clean_env.setenv("PGPORT", str(parts.get("port", 5432)))
    clean_env.setenv("PGUSER", str(parts.get("user", "postgres")))
    clean_env.setenv("PGDATABASE", str(parts["dbname"]))
    code, out, err = _run(["doctor", "env", "--format", "json"])
    assert code in (0, 1), err
    assert '"database_size"' in out  # the server was probed through libpq's own variables


def test_env_file_parts_and_conflict_note(db_url: str, tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    parts = conninfo_to_dict(db_url)  # host may be a socket folder in the query
    (tmp_path / ".env").write_text(
        f"DB_HOST={parts['host']}\nDB_PORT={parts['port']}\nDB_USER={parts['user']}\n"
        f"DB_PASS=not-printed-anywhere\nDB_NAME={parts['dbname']}\n",
        encoding="utf-8",
    )
    clean_env.chdir(tmp_path)
    clean_env.setenv("PGHOST", "elsewhere.invalid")
    code, out, err = _run(["doctor", "env"])
    assert code in (0, 1), err
    assert f"from {tmp_path / '.env'}: DB_*" in err
    assert "Ignored libpq environment" in err and "elsewhere.invalid" in err
    assert "not-printed-anywhere" not in out + err


@pytest.fixture
def password_role(tcp_db_url: str) -> Iterator[tuple[str, str]]:
    """A role that must give a password (scram over TCP), on the session's TCP test server."""
    with psycopg.connect(tcp_db_url, autocommit=True) as conn:
        role, password = f"pgw_pw_{conn.info.dbname[-8:]}", "Pw-only-libpq-reads"
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
        )
        try:
            yield role, password
        finally:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.parametrize("how", ["pgpass", "PGPASSWORD", "service"])
def test_libpq_finds_the_password_itself(
    how: str, tcp_db_url: str, password_role: tuple[str, str], tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    role, password = password_role
    parts = conninfo_to_dict(tcp_db_url)
    host, port, dbname = str(parts.get("host", "")), str(parts.get("port", 5432)), str(parts["dbname"])
    clean_env.chdir(tmp_path)
    clean_env.setenv("PGPASSFILE", str(tmp_path / "none"))
    if how == "service":
        services = tmp_path / "pg_service.conf"
        services.write_text(f"[botdb]\nhost={host}\nport={port}\nuser={role}\ndbname={dbname}\n")
        clean_env.setenv("PGSERVICEFILE", str(services))
        clean_env.setenv("PGSERVICE", "botdb")
        clean_env.setenv("PGPASSWORD", password)
    else:
        for name, value in (("PGHOST", host), ("PGPORT", port), ("PGUSER", role), ("PGDATABASE", dbname)):
            clean_env.setenv(name, value)
        if how == "PGPASSWORD":
            clean_env.setenv("PGPASSWORD", password)
        else:
            pgpass = tmp_path / "pgpass"
            pgpass.write_text(f"{host}:{port}:*:{role}:{password}\n")
            pgpass.chmod(0o600)
            clean_env.setenv("PGPASSFILE", str(pgpass))
    code, out, err = _run(["doctor", "env", "--format", "json"])
    assert code in (0, 1), err
    assert '"database_size"' in out and password not in out + err
    clean_env.setenv("PGPASSWORD", "wrong")
    clean_env.setenv("PGPASSFILE", str(tmp_path / "none"))
    code, out, err = _run(["doctor", "env"])
    assert code == 3 and "rejected the password" in err  # proves the server asked for one
