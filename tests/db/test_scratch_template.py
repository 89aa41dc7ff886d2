"""The initdb template: made once, kept as one private archive, unpacked by later scratch clusters,
refused when tampered with."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from pgwarden import scratch_template
from pgwarden.pgbin import Binaries, find_binaries
from pgwarden.scratch import Cluster

BINARIES = find_binaries()
pytestmark = pytest.mark.skipif(BINARIES is None, reason="no PostgreSQL binaries")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty private cache folder of this test; templates go to ``cache/clusters``."""
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    return tmp_path / "cache"


@contextmanager
def start(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Cluster, str]]:
    """A started cluster and how its data folder was made (``initdb`` or a copy)."""
    assert BINARIES is not None
    caplog.clear()
    cluster = Cluster(BINARIES)
    with caplog.at_level(logging.INFO, logger="pgwarden.scratch"):
        cluster.start()
    ready = [r.getMessage() for r in caplog.records if "ready on socket" in r.getMessage()]
    how = "copy" if "copy of the initdb template" in ready[-1] else "initdb"
    try:
        yield cluster, how
    finally:
        cluster.stop()


def how_made(caplog: pytest.LogCaptureFixture) -> tuple[str, dict[str, str], list[tuple[str, str]]]:
    """Start a cluster, read its settings and pg_hba rules, stop it: (how, settings, rules)."""
    names = ("timezone", "datestyle", "lc_messages", "listen_addresses", "shared_preload_libraries")
    with start(caplog) as (cluster, how), psycopg.connect(cluster.url) as c:
        settings = {n: str(c.execute("SELECT current_setting(%s)", (n,)).fetchone()) for n in names}
        rules = c.execute("SELECT type, auth_method FROM pg_hba_file_rules").fetchall()
    return how, settings, rules


@contextmanager
def edited(archive: Path) -> Iterator[Path]:
    """The template's data folder unpacked for the block to change, then packed back in its place."""
    folder = archive.parent / "unpacked"
    folder.mkdir()
    subprocess.run(["tar", "-xpf", str(archive), "-C", str(folder)], check=True)
    yield folder
    subprocess.run(["tar", "-cf", str(archive), "-C", str(folder), "."], check=True)
    subprocess.run(["rm", "-rf", str(folder)], check=True)


def templates(cache: Path) -> list[Path]:
    folder = cache / "clusters"
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def test_the_first_cluster_keeps_a_private_template_the_next_copies_it(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = how_made(caplog)
    (template,) = templates(cache)
    second = how_made(caplog)

    assert first[0] == "initdb" and second[0] == "copy"
    assert first[1:] == second[1:]  # same settings and the same pg_hba rules either way
    assert second[1]["listen_addresses"] == "('',)" and second[1]["shared_preload_libraries"] == "('',)"
    assert {method for kind, method in second[2] if kind.startswith("host")} == {"reject"}
    # One archive, not the ~1,000 files of a data folder.
    assert sorted(p.name for p in template.iterdir()) == ["data.tar", "identity"]
    for path in (cache / "clusters", template, *template.rglob("*")):
        st = path.lstat()
        assert st.st_uid == os.getuid() and not stat.S_ISLNK(st.st_mode), path
        assert st.st_mode & 0o077 == 0, f"{path} is {oct(st.st_mode)}"
    assert templates(cache) == [template]


def test_a_copy_belongs_to_the_clusters_user_with_initdbs_modes(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Unpacked by ``tar`` running as the cluster's user (as root: ``postgres``), whatever the umask."""
    how_made(caplog)
    old = os.umask(0o022)
    try:
        with start(caplog) as (cluster, how):
            owner = cluster.owner[0] if cluster.owner else os.getuid()
            for path in (cluster.data, *cluster.data.rglob("*")):
                st = path.lstat()
                assert st.st_uid == owner and not stat.S_ISLNK(st.st_mode), path
                assert st.st_mode & 0o077 == 0, f"{path} is {oct(st.st_mode)}"
    finally:
        os.umask(old)
    assert how == "copy"


def test_a_template_writable_by_others_is_rebuilt(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    how_made(caplog)
    (template,) = templates(cache)
    (template / "data.tar").chmod(0o666)

    how, _, _ = how_made(caplog)

    assert how == "initdb" and "refused" in caplog.text and "writable by others" in caplog.text
    assert how_made(caplog)[0] == "copy"  # the rebuilt one is used again
    assert (template / "data.tar").stat().st_mode & 0o077 == 0


def test_a_template_whose_archive_is_a_symbolic_link_is_rebuilt(
    cache: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    how_made(caplog)
    (template,) = templates(cache)
    elsewhere = tmp_path / "elsewhere.tar"
    (template / "data.tar").rename(elsewhere)
    (template / "data.tar").symlink_to(elsewhere)

    assert how_made(caplog)[0] == "initdb" and "not a plain file" in caplog.text
    assert how_made(caplog)[0] == "copy"


def test_a_template_owned_by_another_user_is_rebuilt(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root (CI runs as root)")
    how_made(caplog)
    (template,) = templates(cache)
    os.chown(template / "data.tar", 65534, 65534)

    assert how_made(caplog)[0] == "initdb" and "owned by uid 65534" in caplog.text


def test_the_copy_does_not_take_the_templates_configuration(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A setting that loads a library or runs a command, or an hba rule letting TCP in, stays in the template."""
    how_made(caplog)
    (template,) = templates(cache)
    with edited(template / "data.tar") as data:
        with open(data / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write(
                "shared_preload_libraries = 'no_such_library'\narchive_mode = on\narchive_command = 'touch /tmp/x'\n"
            )
            f.write("listen_addresses = '*'\ninclude = '/tmp/more.conf'\ntimezone = 'Europe/Berlin'; x\n")
        with open(data / "pg_hba.conf", "a", encoding="utf-8") as f:
            f.write("host all all 0.0.0.0/0 trust\n")
        (data / "postgresql.auto.conf").write_text("shared_preload_libraries = 'no_such_library'\n")

    how, settings, rules = how_made(caplog)  # a preloaded library that does not exist would not start

    assert how == "copy"
    assert settings["shared_preload_libraries"] == "('',)" and settings["listen_addresses"] == "('',)"
    assert {method for kind, method in rules if kind.startswith("host")} == {"reject"}


def test_a_world_writable_cache_folder_is_not_used(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    (cache / "clusters").mkdir(parents=True)
    (cache / "clusters").chmod(0o777)

    assert how_made(caplog)[0] == "initdb"
    assert how_made(caplog)[0] == "initdb"
    assert list((cache / "clusters").iterdir()) == []


def test_other_binaries_or_options_get_another_template(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "PG_VERSION").write_text("15\n")
    args = ["/usr/lib/postgresql/15/bin/initdb", "-D", str(data), "--auth-local=trust"]
    one = scratch_template.identity("bin-a\x0015", args, data)
    other = scratch_template.identity("bin-b\x0016", args, data)
    options = scratch_template.identity("bin-a\x0015", [*args, "--wal-segsize=4"], data)
    elsewhere = tmp_path / "elsewhere"
    moved = ["/usr/lib/postgresql/15/bin/initdb", "-D", str(elsewhere), "--auth-local=trust"]
    assert scratch_template.identity("bin-a\x0015", moved, elsewhere) == one  # each cluster's folder differs
    for ident in (one, other, options):
        scratch_template.keep(ident, data)
    assert len(templates(cache)) == 3
    assert scratch_template.find(one) != scratch_template.find(other) != scratch_template.find(options)
    assert scratch_template.find("never made") is None


def test_concurrent_first_runs_leave_one_whole_template(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "base").mkdir(parents=True)
    for i in range(200):
        (data / "base" / str(i)).write_bytes(os.urandom(4096))
    ident = scratch_template.identity("bin\x0015", ["initdb", "-D", str(data)], data)
    barrier = threading.Barrier(8)

    def first_run() -> None:
        barrier.wait()
        scratch_template.keep(ident, data)

    threads = [threading.Thread(target=first_run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    (template,) = templates(cache)
    assert [p.name for p in (cache / "clusters").iterdir()] == [template.name]  # no half-made folder left
    found = scratch_template.find(ident)
    assert found is not None
    copy = tmp_path / "copy"
    scratch_template.copy(found, copy, None)
    assert sorted(p.name for p in (copy / "base").iterdir()) == sorted(str(i) for i in range(200))
    assert all(
        (copy / "base" / str(i)).read_bytes() == (data / "base" / str(i)).read_bytes() for i in range(200)
    )


def test_two_clusters_started_at_once_from_an_empty_cache(cache: Path) -> None:
    assert BINARIES is not None
    binaries: Binaries = BINARIES
    errors: list[BaseException] = []

    def run() -> None:
        cluster = Cluster(binaries)
        try:
            cluster.start()
            with psycopg.connect(cluster.url) as c:
                c.execute("SELECT 1")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            cluster.stop()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(templates(cache)) == 1
