"""Throwaway clusters: started fast, and gone after exit, Ctrl-C or SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.errors import ScratchError
from pgwarden.scratch import Scratch, open_scratch
from pgwarden.urls import dbname_of


def _listening(folder: Path | str, port: int = 5432) -> bool:
    """Whether a server accepts connections on the Unix socket in ``folder``."""
    with socket.socket(socket.AF_UNIX) as s:
        return s.connect_ex(str(Path(folder) / f".s.PGSQL.{port}")) == 0


def test_removed_after_ctrl_c() -> None:
    with pytest.raises(KeyboardInterrupt), open_scratch() as scratch:
        assert scratch.cluster is not None
        folder = scratch.cluster.socket_dir
        with psycopg.connect(scratch.create_database("x")) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
        assert _listening(folder)
        raise KeyboardInterrupt
    assert not folder.exists()
    assert not _listening(folder)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_process_cleans_up_when_interrupted(tmp_path: Path, sig: signal.Signals) -> None:
    """A real `pgwarden` process, signalled while its scratch cluster runs, leaves nothing behind."""
    script = (
        "import sys, time\n"
        "from pgwarden.cli import main, _exit_cleanly_on_sigterm\n"
        "from pgwarden import scratch as s\n"
        "_exit_cleanly_on_sigterm()\n"
        "with s.open_scratch() as sc:\n"
        "    print(sc.cluster.socket_dir, flush=True)\n"
        "    time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        folder = proc.stdout.readline().strip()
        assert _listening(folder)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    assert not Path(folder).exists()
    deadline = time.monotonic() + 5
    while _listening(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _listening(folder)


def test_verbose_mode_prints_startup_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")  # a cached schema would need no scratch server
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text("CREATE TABLE t (id int);\n")
    out, err = io.StringIO(), io.StringIO()
    main(["-v", "check", "--db", db_url, "--migrations", "migrations"], out, err)
    assert "scratch PostgreSQL" in err.getvalue() and "ready on socket" in err.getvalue()


def test_verbose_mode_says_when_the_schema_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text("CREATE TABLE t (id int);\n")
    main(["check", "--db", db_url, "--migrations", "migrations"], io.StringIO(), io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    main(["-v", "check", "--db", db_url, "--migrations", "migrations"], out, err)
    assert "from the cache" in err.getvalue() and "scratch PostgreSQL" not in err.getvalue()


def test_no_binaries_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pgwarden.scratch.find_binaries", lambda: None)
    with pytest.raises(ScratchError) as info:
        open_scratch()
    message = str(info.value)
    assert "pip install 'pgwarden[embedded]'" in message and "--dev-url" in message
    assert len(message.splitlines()) == 1


def test_dev_url_hands_out_and_drops_databases(db_url: str) -> None:
    with open_scratch(db_url) as scratch:
        url = scratch.create_database("t")
        name = dbname_of(url)
        with psycopg.connect(db_url) as c:
            assert c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None


def test_runs_as_an_unprivileged_user_when_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("only meaningful as root; as a normal user the cluster runs as that user")
    with open_scratch() as scratch:
        assert scratch.cluster is not None and scratch.cluster.owner is not None
        with psycopg.connect(scratch.server_url) as c:
            row = c.execute("SELECT pg_catalog.current_setting('data_directory')").fetchone()
        assert row is not None
        assert os.stat(row[0]).st_uid == scratch.cluster.owner[0] != 0


# --- only pgwarden can enter --------------------------------------------------------------


def _connect_as(uid: int, gid: int, url: str) -> tuple[int, str]:
    """Try ``url`` from a forked child that has become ``uid``: (0 connected / 1 refused, the error).

    A fork, not a new interpreter: the other user may not be allowed to run this virtualenv's
    Python (under /root, say), and that must not be what stops it.
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads: the child only connects
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code, message = 2, ""
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            psycopg.connect(url, connect_timeout=5).close()
            code, message = 0, "connected"
        except psycopg.OperationalError as exc:
            code, message = 1, str(exc)
        except BaseException as exc:  # noqa: BLE001 - anything else is reported, never raised in the child
            message = repr(exc)
        finally:
            os.write(write_end, message.encode()[:4000])
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), message


def _other_user(owner: tuple[int, int] | None) -> tuple[int, int]:
    """An OS user that is neither us nor the cluster's, to knock on the door as."""
    import pwd

    for name in ("nobody", "daemon", "bin"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid not in (0, os.geteuid()) and (owner is None or entry.pw_uid != owner[0]):
            return entry.pw_uid, entry.pw_gid
    pytest.skip("no second OS user to try the scratch cluster as")


def test_another_os_user_cannot_connect_to_a_running_scratch_cluster() -> None:
    if os.geteuid() != 0:
        pytest.skip("switching to another OS user needs root (CI runs as root)")
    with open_scratch() as scratch:
        cluster = scratch.cluster
        assert cluster is not None
        uid, gid = _other_user(cluster.owner)
        url = scratch.create_database("door")
        with psycopg.connect(url) as c:  # pgwarden itself gets in
            assert c.execute("SELECT current_setting('listen_addresses')").fetchone() == ("",)
        # The same URL, as another user: the socket's folder is closed to it.
        code, message = _connect_as(uid, gid, url)
        assert code == 1 and "Permission denied" in message, message
        assert oct(cluster.socket_dir.stat().st_mode & 0o777) == oct(0o700)


def test_no_tcp_listener_and_tcp_rules_reject(scratch: Scratch) -> None:
    """The clusters the tests use are the same kind: socket only, and pg_hba rejects TCP anyway."""
    assert scratch.cluster is not None
    with psycopg.connect(scratch.server_url) as c:
        assert c.execute("SELECT current_setting('listen_addresses')").fetchone() == ("",)
        rules = c.execute("SELECT type, auth_method FROM pg_hba_file_rules").fetchall()
    assert {method for kind, method in rules if kind.startswith("host")} == {"reject"}
    assert {method for kind, method in rules if kind == "local"} == {"trust"}
    assert scratch.cluster.socket_dir.stat().st_mode & 0o077 == 0
