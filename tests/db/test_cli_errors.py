"""Bad input: one clear paragraph, the right exit code, no traceback, never a password."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.scratch import Scratch


def run(
    *argv: str, cwd: Path | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, str, str]:
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def assert_clean_error(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    assert err.startswith("pgwarden: ")
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    return tmp_path


def test_connection_refused(project: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run(
        "check", "--db", f"postgresql://bot:hunter2@127.0.0.1:{port}/app", "--migrations", "migrations"
    )
    assert code == 3
    assert_clean_error(err, f"127.0.0.1:{port}/app", "connection refused")
    assert "hunter2" not in err


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a hung host."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for s in held:
        s.close()
    server.close()


def test_connect_timeout(project: Path, silent_server: int) -> None:
    (project / "pgwarden.toml").write_text('migrations = "migrations"\nconnect_timeout = 1\n')
    code, _, err = run("check", "--db", f"postgresql://bot:pw@127.0.0.1:{silent_server}/app")
    assert code == 3
    assert_clean_error(err, "within the connect timeout")


@pytest.fixture
def password_user(scratch: Scratch) -> Iterator[str]:
    """A role that must log in with a password (a pg_hba rule ahead of trust on the socket)."""
    assert scratch.cluster is not None
    hba = scratch.cluster.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("local all pw_user scram-sha-256\n" + original)
    with psycopg.connect(scratch.server_url, autocommit=True) as c:
        c.execute("SET password_encryption = 'scram-sha-256'")
        c.execute("DROP ROLE IF EXISTS pw_user")
        c.execute("CREATE ROLE pw_user LOGIN PASSWORD 'right-password'")
        c.execute("SELECT pg_reload_conf()")
    try:
        yield scratch.cluster.url.replace("postgres@", "pw_user:wrong-password@", 1)
    finally:
        hba.write_text(original)
        with psycopg.connect(scratch.server_url, autocommit=True) as c:
            c.execute("SELECT pg_reload_conf()")
            c.execute("DROP ROLE pw_user")


@pytest.mark.local_server
def test_wrong_password(project: Path, password_user: str, scratch: Scratch) -> None:
    code, _, err = run("check", "--db", password_user, "--migrations", "migrations")
    assert code == 3 and scratch.cluster is not None
    assert_clean_error(err, "rejected the password", f"pw_user@{scratch.cluster.socket_dir}")
    assert "wrong-password" not in err


@pytest.mark.local_server
def test_database_missing(project: Path, scratch: Scratch) -> None:
    assert scratch.cluster is not None
    url = scratch.cluster.url.replace("/postgres?", "/no_such_db?")
    code, _, err = run("check", "--db", url, "--migrations", "migrations")
    assert code == 3
    assert_clean_error(err, "no_such_db does not exist")


@pytest.mark.parametrize(
    ("models", "needle"),
    [
        ("nosuchmodule:Base", "nosuchmodule"),
        ("mymodels:Missing", "Missing"),
        ("mymodels:not_metadata", "not_metadata"),
    ],
)
def test_models_path_wrong(project: Path, db_url: str, models: str, needle: str) -> None:
    (project / "mymodels.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n\nnot_metadata = 42\n"
    )
    (project / "pgwarden.toml").write_text(f'models = "{models}"\n')
    code, _, err = run("check", "--db", db_url)
    assert code == 2
    assert_clean_error(err, needle)


def test_migrations_folder_missing(project: Path, db_url: str) -> None:
    code, _, err = run("check", "--db", db_url, "--migrations", "nowhere")
    assert code == 2
    assert_clean_error(err, "nowhere")


def test_migration_syntax_error_points_at_file_line_column(project: Path, db_url: str) -> None:
    (project / "migrations" / "002_broken.sql").write_text(
        "-- adds a column\nALTER TABLE users ADD COLUMN name text;\nSELEC 1;\n"
    )
    code, _, err = run("check", "--db", db_url, "--migrations", "migrations")
    assert code == 2
    assert_clean_error(err, "002_broken.sql:3:1", "syntax error", "42601")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "snapshot"),
        ('{"format": "pgwarden-snapshot", "version": 99, "schema": {}}', "version"),
    ],
)
def test_bad_snapshot(project: Path, db_url: str, content: str, needle: str) -> None:
    (project / "schema.json").write_text(content)
    code, _, err = run("check", "--db", db_url, "--snapshot", "schema.json")
    assert code == 2
    assert_clean_error(err, "schema.json", needle)


def test_malformed_config(project: Path) -> None:
    (project / "pgwarden.toml").write_text("migrations = [\n")
    code, _, err = run("check")
    assert code == 2
    assert_clean_error(err, "pgwarden.toml", "not valid TOML")


def test_no_database_configured(project: Path) -> None:
    code, _, err = run("check", "--migrations", "migrations")
    assert code == 2
    assert_clean_error(err, "DATABASE_URL")


def test_traceback_flag_shows_it(project: Path) -> None:
    code, _, err = run("--traceback", "check", "--db", "mysql://x@y/z", "--migrations", "migrations")
    assert code == 2
    assert "Traceback" in err


def test_unknown_flag_is_a_usage_error(project: Path) -> None:
    code, _, err = run("check", "--frobnicate")
    assert code == 2
    assert "No such option" in err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    from pgwarden import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    for command in ("check", "diff", "snapshot", "lint", "demo"):
        assert main([command, "--help"]) == 0
        assert "Usage: pgwarden" in capsys.readouterr().out
