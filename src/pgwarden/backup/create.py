"""``backup create``: pg_dump in custom format inside one exported snapshot, written atomically, with a manifest.

The row counts and the schema fingerprint are read in the very snapshot pg_dump dumps
(``pg_export_snapshot`` + ``pg_dump --snapshot``), so verify can demand they match exactly.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from .. import __version__
from ..catalog import inspect
from ..db import connect
from ..urls import describe
from ._pg import (
    count_rows,
    failure_reason,
    fingerprint,
    list_tables,
    program_env,
    sha256_file,
    system_identifier,
)
from .errors import BackupDirError, BackupFailed
from .manifest import (
    ARCHIVE_SUFFIX,
    MANIFEST_SUFFIX,
    TEMP_PREFIX,
    Manifest,
    TableCount,
    format_time,
    fsync_dir,
    now_utc,
    write_manifest,
)
from .settings import Settings
from .tools import find_tools

__all__ = ["create", "prepare_directory"]

Progress = Callable[[str], None]


def prepare_directory(directory: Path) -> Path:
    """Create ``directory`` if needed and prove it is writable; ``BackupDirError`` naming it otherwise."""
    directory = Path(directory).expanduser().resolve()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=f"{TEMP_PREFIX}probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise BackupDirError(
            f"The backup directory {directory} exists but is not a directory: "
            "point --dir (or `backup.dir`) at a folder."
        ) from None
    except OSError as exc:
        raise BackupDirError(
            f"Cannot write to the backup directory {directory} ({exc.strerror or exc}): "
            "create it with write permission for this user, or point --dir (or `backup.dir`) elsewhere."
        ) from None
    return directory


def create(
    url: str,
    directory: Path,
    *,
    settings: Settings | None = None,
    scheduled: bool = False,
    connect_timeout: float = 5.0,
    progress: Progress | None = None,
) -> Manifest:
    """Dump the database at ``url`` into ``directory``; return the manifest of the complete backup.

    Safe to call from a thread. Nothing that looks complete is left behind on failure:
    the archive is renamed into place only when pg_dump succeeded, and a backup counts as
    complete only once its manifest is written.
    """
    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    directory = prepare_directory(directory)
    started = now_utc()
    clock = time.monotonic()
    with connect(url, timeout=connect_timeout, what="database") as conn:
        server_num = conn.info.server_version
        major = server_num // 10000 if server_num >= 100000 else 9
        tools = find_tools(major, server=f"The database at {describe(url)}")
        sysid = system_identifier(conn)
        server_version = str(conn.info.parameter_status("server_version") or server_num).split(" ")[0]
        dbname = conn.info.dbname
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()
        assert row is not None
        ident, tmp = _reserve(directory, dbname, started)
        conninfo, env = program_env(url)
        say(f"pg_dump {tools.version} ({tools.bindir}) -> {tmp.name}")
        proc = subprocess.Popen(
            [tools.pg_dump, "--format=custom", f"--snapshot={row[0]}", f"--file={tmp}", "--no-password"]
            + [f"--dbname={conninfo}"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        try:
            # Read while pg_dump runs: same snapshot, so the figures describe exactly the archive.
            schema = inspect(conn)
            tables = list_tables(conn)
            small = [(s, n) for s, n, est in tables if est < 0 or est < settings.exact_count_below]
            exact = count_rows(conn, small)
            counts = {
                f"{s}.{n}": TableCount(exact[f"{s}.{n}"], True)
                if f"{s}.{n}" in exact
                else TableCount(max(est, 0), False)
                for s, n, est in tables
            }
            out, err = proc.communicate()
        except BaseException:
            proc.kill()
            proc.wait()
            _remove(tmp)
            raise
        finally:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
    if proc.returncode != 0:
        _remove(tmp)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        raise BackupFailed(
            f"Backup of {describe(url)} into {directory} failed: {failure_reason('pg_dump', done)}. "
            "Nothing was kept; fix the cause and run `pgwarden backup create` again."
        )
    archive = directory / f"{ident}{ARCHIVE_SUFFIX}"
    try:
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        size, digest = sha256_file(tmp)
        os.replace(tmp, archive)
        fsync_dir(directory)
        finished = now_utc()
        manifest = Manifest(
            id=ident,
            file=archive.name,
            database=describe(url),
            dbname=dbname,
            size=size,
            sha256=digest,
            server_version=server_version,
            server_version_num=server_num,
            system_identifier=sysid,
            dump_version=tools.version,
            dump_major=tools.major,
            schema_fingerprint=fingerprint(schema),
            schema_fingerprint_portable=fingerprint(schema, portable=True),
            tables=counts,
            pgwarden_version=__version__,
            started_at=format_time(started),
            finished_at=format_time(finished),
            duration_s=round(time.monotonic() - clock, 3),
            scheduled=scheduled,
        )
        write_manifest(directory, manifest)
    except OSError as exc:
        _remove(tmp)
        _remove(archive)
        _remove(directory / f"{ident}{MANIFEST_SUFFIX}")
        raise BackupFailed(
            f"Could not finish the backup in {directory} ({exc.strerror or exc}): is the disk full? "
            "Nothing was kept; free space or point --dir (or `backup.dir`) elsewhere."
        ) from None
    say(f"{ident}: {size} bytes, {len(counts)} tables, in {manifest.duration_s:.1f}s")
    return manifest


def _reserve(directory: Path, dbname: str, started: object) -> tuple[str, Path]:
    """A fresh backup id and its temporary archive, created exclusively (two creates never collide)."""
    base = f"{re.sub(r'[^A-Za-z0-9_-]+', '_', dbname).strip('_') or 'db'}-{started:%Y%m%d-%H%M%S}"
    for n in range(1, 1000):
        ident = base if n == 1 else f"{base}-{n}"
        if (directory / f"{ident}{MANIFEST_SUFFIX}").exists() or (
            directory / f"{ident}{ARCHIVE_SUFFIX}"
        ).exists():
            continue
        tmp = directory / f"{TEMP_PREFIX}{ident}{ARCHIVE_SUFFIX}.tmp"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        return ident, tmp
    raise BackupDirError(f"Cannot pick a backup id in {directory}: too many backups named {base}-*.")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
