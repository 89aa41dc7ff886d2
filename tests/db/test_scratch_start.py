"""How a scratch cluster starts fast: in memory for schema work, started in the background while the
models import, its server a child watched through postmaster.pid, and none left behind."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from pgwarden import scratch_place
from pgwarden.errors import ScratchError
from pgwarden.pgbin import find_binaries
from pgwarden.scratch import Cluster, LazyScratch, Scratch, open_scratch

BINARIES = find_binaries()
pytestmark = pytest.mark.skipif(BINARIES is None, reason="no PostgreSQL binaries")


def _listening(folder: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as s:
        return s.connect_ex(str(folder / ".s.PGSQL.5432")) == 0


def _on(folder: Path, parent: str) -> bool:
    return folder.resolve().is_relative_to(Path(parent).resolve())


def test_schema_clusters_live_in_memory_and_data_clusters_do_not() -> None:
    assert BINARIES is not None
    parent = scratch_place.memory_parent(scratch_place.run_as())
    if parent is None:
        pytest.skip("no memory file system with room on this machine")
    with open_scratch() as scratch:
        assert scratch.cluster is not None
        folder = scratch.cluster.dir
        assert _on(folder, parent) and folder.stat().st_mode & 0o077 == 0
        with psycopg.connect(scratch.create_database("m")) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
    assert not folder.exists()
    disk = Cluster(BINARIES)  # as backup verify makes it: it may hold a restored backup
    try:
        assert not _on(disk.dir, parent)
    finally:
        disk.stop()


def test_a_small_memory_file_system_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.statvfs

    def small(path: str) -> os.statvfs_result:
        found = real(path)
        fields = list(found)
        fields[4] = (scratch_place.MEMORY_MIN_FREE // found.f_frsize) - 1  # f_bavail: just too little
        return os.statvfs_result(fields)

    monkeypatch.setattr(scratch_place.os, "statvfs", small)
    assert scratch_place.memory_parent(None) is None
    folder = scratch_place.private_dir(memory=True)
    try:
        assert not _on(folder, "/dev/shm")
    finally:
        folder.rmdir()


def test_prestart_starts_in_the_background_and_close_stops_it() -> None:
    with LazyScratch() as lazy:
        lazy.prestart()
        scratch = lazy()
        assert lazy() is scratch and scratch.cluster is not None
        folder = scratch.cluster.dir
        assert _listening(folder)
    assert not folder.exists() and not _listening(folder)


def test_a_cluster_started_in_the_background_and_never_asked_for_is_stopped() -> None:
    lazy = LazyScratch()
    lazy.prestart()
    lazy._wait()
    assert lazy._scratch is not None and lazy._scratch.cluster is not None
    folder = lazy._scratch.cluster.dir
    assert _listening(folder)
    lazy.close()
    assert not folder.exists() and not _listening(folder)


def test_a_background_start_that_fails_raises_where_the_cluster_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("pgwarden.scratch.find_binaries", lambda: None)
    with LazyScratch() as lazy:
        lazy.prestart()
        with pytest.raises(ScratchError, match=r"pgwarden\[embedded\]"):
            lazy()


def test_work_handed_over_meanwhile_runs_while_the_start_is_under_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done = threading.Event()  # the start ends only once the work has run: no race to win

    def slow_start(dev_url: str | None = None, **_: object) -> Scratch:
        assert done.wait(10)
        return Scratch("postgresql://nowhere/db")

    monkeypatch.setattr("pgwarden.scratch.open_scratch", slow_start)
    with LazyScratch() as lazy:
        lazy.prestart()
        lazy.meanwhile(done.set)
        assert lazy().server_url == "postgresql://nowhere/db"
    assert done.is_set()


def test_work_handed_over_meanwhile_is_left_undone_once_the_start_is_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(
        "pgwarden.scratch.open_scratch", lambda dev_url=None, **_: Scratch("postgresql://x/db")
    )
    with LazyScratch() as lazy:
        lazy.prestart()
        lazy.meanwhile(lambda: ran.append("late"))
        assert lazy._starting is not None
        lazy._starting.join()
        lazy()
        lazy()
    assert ran == []


def test_a_cancelled_start_kills_initdb_with_its_children_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert BINARIES is not None
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")  # initdb, the step a cancel cuts short
    cluster = Cluster(BINARIES, memory=True)
    failed: list[BaseException] = []

    def start() -> None:
        try:
            cluster.start()
        except ScratchError as exc:
            failed.append(exc)
        finally:
            cluster.stop()

    thread = threading.Thread(target=start)
    thread.start()
    deadline = time.monotonic() + 30
    while cluster._child is None and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.001)
    child = cluster._child
    assert child is not None, "initdb was not seen running"
    cluster.cancel()
    thread.join(30)
    assert not thread.is_alive()
    assert len(failed) == 1 and "no longer needed" in str(failed[0])
    with pytest.raises(ProcessLookupError):
        os.killpg(child.pid, 0)  # initdb's process group (postgres --boot/--single under it) is gone
    assert not cluster.dir.exists()


def test_a_lazy_scratch_closed_before_anyone_asked_cancels_its_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cancelled = threading.Event()

    class Starting:
        def cancel(self) -> None:
            cancelled.set()

    def start(dev_url: str | None = None, *, made: Callable[[object], object]) -> Scratch:
        made(Starting())
        assert cancelled.wait(10), "close() did not cancel the start"
        raise ScratchError("initdb stopped: the scratch cluster is no longer needed")

    monkeypatch.setattr("pgwarden.scratch.open_scratch", start)
    with LazyScratch() as lazy:
        lazy.prestart()
    assert cancelled.is_set() and lazy._starting is None


def test_prestart_does_nothing_with_a_dev_url(db_url: str) -> None:
    with LazyScratch(db_url) as lazy:
        lazy.prestart()
        assert lazy._starting is None
        assert lazy().cluster is None


class _BadSetting(Cluster):
    def server_options(self) -> str:
        return super().server_options() + " -c no_such_setting_here=1"


def test_a_server_that_does_not_start_is_a_clear_error_with_its_log() -> None:
    assert BINARIES is not None
    cluster = _BadSetting(BINARIES, memory=True)
    try:
        with pytest.raises(ScratchError) as info:
            cluster.start()
        message = str(info.value)
        assert "no_such_setting_here" in message and "--dev-url" in message
        assert len(message.splitlines()) == 1
    finally:
        cluster.stop()
    assert not cluster.dir.exists()


def test_the_first_cluster_keeps_its_template_before_the_server_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """initdb's result is in the cache once the cluster has started, and holds nothing the server wrote."""
    assert BINARIES is not None
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    folder = tmp_path / "cache" / "clusters"
    cluster = Cluster(BINARIES, memory=True)
    try:
        cluster.start()
        assert [p.name for p in folder.iterdir()] != []  # kept already, while the cluster runs
        with psycopg.connect(cluster.url) as c:
            c.execute("CREATE TABLE after_start (id int)")  # the server writes; the template must not see it
    finally:
        cluster.stop()
    templates = [p for p in folder.iterdir() if not p.name.startswith(".")]
    assert len(templates) == 1 and not cluster.dir.exists()
    again = Cluster(BINARIES, memory=True)
    try:
        again.start()
        with psycopg.connect(again.url) as c:
            assert c.execute("SELECT to_regclass('after_start')").fetchone() == (None,)
    finally:
        again.stop()
