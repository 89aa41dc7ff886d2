"""The URL's sources end to end: a command finds the live database through .env parts and libpq's PG*."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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
    parts = urlsplit(db_url)
    clean_env.chdir(tmp_path)
    clean_env.setenv("PGHOST", parts.hostname or "localhost")
    clean_env.setenv("PGPORT", str(parts.port))
    clean_env.setenv("PGUSER", parts.username or "postgres")
    clean_env.setenv("PGDATABASE", parts.path.lstrip("/"))
    code, out, err = _run(["doctor", "env", "--format", "json"])
    assert code in (0, 1), err
    assert '"database_size"' in out  # the server was probed through libpq's own variables


def test_env_file_parts_and_conflict_note(db_url: str, tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    parts = urlsplit(db_url)
    (tmp_path / ".env").write_text(
        f"DB_HOST={parts.hostname}\nDB_PORT={parts.port}\nDB_USER={parts.username}\n"
        f"DB_PASS=not-printed-anywhere\nDB_NAME={parts.path.lstrip('/')}\n",
        encoding="utf-8",
    )
    clean_env.chdir(tmp_path)
    clean_env.setenv("PGHOST", "elsewhere.invalid")
    code, out, err = _run(["doctor", "env"])
    assert code in (0, 1), err
    assert f"from {tmp_path / '.env'}: DB_*" in err
    assert "Ignored libpq environment" in err and "elsewhere.invalid" in err
    assert "not-printed-anywhere" not in out + err
