"""Throwaway clusters: started fast, and gone after exit, Ctrl-C or SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.errors import ScratchError
from pgwarden.scratch import open_scratch


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_removed_after_ctrl_c() -> None:
    with pytest.raises(KeyboardInterrupt), open_scratch() as scratch:
        assert scratch.cluster is not None
        folder, port = scratch.cluster.dir, scratch.cluster.port
        with psycopg.connect(scratch.create_database("x")) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
        raise KeyboardInterrupt
    assert not folder.exists()
    assert not _listening(port)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_process_cleans_up_when_interrupted(tmp_path: Path, sig: signal.Signals) -> None:
    """A real `pgwarden` process, signalled while its scratch cluster runs, leaves nothing behind."""
    script = (
        "import sys, time\n"
        "from pgwarden.cli import main, _exit_cleanly_on_sigterm\n"
        "from pgwarden import scratch as s\n"
        "_exit_cleanly_on_sigterm()\n"
        "with s.open_scratch() as sc:\n"
        "    print(sc.cluster.dir, sc.cluster.port, flush=True)\n"
        "    time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        folder, port = proc.stdout.readline().split()
        assert _listening(int(port))
        proc.send_signal(sig)
        proc.wait(timeout=30)
    assert not Path(folder).exists()
    deadline = time.monotonic() + 5
    while _listening(int(port)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _listening(int(port))


def test_verbose_mode_prints_startup_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text("CREATE TABLE t (id int);\n")
    out, err = io.StringIO(), io.StringIO()
    main(["-v", "check", "--db", db_url, "--migrations", "migrations"], out, err)
    assert "scratch PostgreSQL" in err.getvalue() and "ready on port" in err.getvalue()


def test_no_binaries_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pgwarden.scratch.find_binaries", lambda: None)
    with pytest.raises(ScratchError, match="pip install pgserver"):
        open_scratch()


def test_dev_url_hands_out_and_drops_databases(db_url: str) -> None:
    with open_scratch(db_url) as scratch:
        url = scratch.create_database("t")
        name = url.rsplit("/", 1)[1]
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
