"""``postgres --version`` runs once per binary, not once per process: the major is kept in the cache folder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgwarden import pgbin


@pytest.fixture
def bindir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder with a ``postgres`` that says it is 15.4 (and the other two server binaries)."""
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "postgres").write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 15.4'\n")
    for name in ("postgres", "initdb", "pg_ctl"):
        (folder / name).touch()
        (folder / name).chmod(0o755)
    pgbin._major.cache_clear()
    yield folder
    pgbin._major.cache_clear()


def test_a_second_process_reads_the_major_without_running_postgres(bindir: Path, tmp_path: Path) -> None:
    assert pgbin.server_major(bindir) == 15
    kept = json.loads((tmp_path / "cache" / "postgres-versions.json").read_text())
    assert list(kept.values()) == [15]

    pgbin._major.cache_clear()  # as in a new process
    (bindir / "postgres").chmod(0o644)  # it cannot run now; size and time are unchanged
    assert pgbin.server_major(bindir) == 15


def test_a_replaced_binary_is_asked_again(bindir: Path) -> None:
    assert pgbin.server_major(bindir) == 15
    pgbin._major.cache_clear()
    (bindir / "postgres").write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 18.1'\n")
    os.utime(bindir / "postgres", ns=(1, 2))
    assert pgbin.server_major(bindir) == 18


def test_nothing_kept_with_no_cache_or_a_folder_open_to_others(
    bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")
    assert pgbin.server_major(bindir) == 15
    assert not (tmp_path / "cache" / "postgres-versions.json").exists()

    monkeypatch.delenv("PGWARDEN_NO_CACHE")
    pgbin._major.cache_clear()
    (tmp_path / "cache").mkdir(mode=0o777)
    (tmp_path / "cache").chmod(0o777)
    assert pgbin.server_major(bindir) == 15
    assert not (tmp_path / "cache" / "postgres-versions.json").exists()
