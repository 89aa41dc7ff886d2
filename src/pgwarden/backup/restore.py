"""``backup restore``: put a backup (by default the newest verified one) into a database, all or nothing.

pg_restore runs with ``--single-transaction --exit-on-error``: a failure leaves the target
as it was. A target that already holds tables, views, functions or schemas is refused
unless ``force`` is given, in which case the archive's objects replace the ones there
(``--clean --if-exists``).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..db import connect
from ..urls import describe
from ._pg import count_rows, failure_reason, list_tables, program_env, query, run, sha256_file
from .errors import BackupFailed, BackupNotFound, RestoreRefused
from .manifest import Manifest
from .pick import get, newest_verified
from .tools import find_tools

__all__ = ["RestoreResult", "restore", "target_objects"]

Progress = Callable[[str], None]


@dataclass
class RestoreResult:
    manifest: Manifest
    target: str
    """The database restored into, without a password."""
    rows: dict[str, int] = field(default_factory=dict)
    """Exact row counts of every table in the target afterwards."""
    mismatched: list[str] = field(default_factory=list)
    """Tables whose count differs from the manifest's exact count."""
    seconds: float = 0.0


def target_objects(url: str, *, connect_timeout: float = 5.0) -> list[str]:
    """Up to 20 things in the database at ``url`` a restore would collide with (``[]`` when empty)."""
    with connect(url, timeout=connect_timeout, what="restore target") as conn:
        conn.read_only = True
        found = [f"{kind} {name}" for kind, name in conn.execute(query("user_objects")).fetchall()]
        conn.rollback()
    return found


def restore(
    url: str,
    directory: Path,
    backup_id: str | None = None,
    *,
    force: bool = False,
    no_owner: bool = False,
    connect_timeout: float = 5.0,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore backup ``backup_id`` (default: the newest verified) into the database at ``url``.

    Raises ``RestoreRefused`` for a non-empty target without ``force``, ``BackupNotFound``
    when there is nothing to restore, ``BackupFailed`` when the archive is damaged or
    pg_restore fails (the target is then unchanged). Safe to call from a thread.
    """
    say = progress or (lambda _msg: None)
    clock = time.monotonic()
    if backup_id:
        entry = get(directory, backup_id)
        manifest, archive = entry.manifest, entry.archive
        assert manifest is not None and archive is not None
    else:
        chosen = newest_verified(directory)
        if chosen is None:
            raise BackupNotFound(
                f"No verified backup in {directory} to restore: verify one with `pgwarden backup verify` "
                "or name one with --backup ID."
            )
        manifest, archive = chosen, directory / chosen.file
    size, digest = sha256_file(archive)
    if (size, digest) != (manifest.size, manifest.sha256):
        raise BackupFailed(
            f"The archive {archive} does not match its manifest (sha256 or size differs): it is damaged; "
            "restore another backup with --backup ID (see `pgwarden backup list`)."
        )
    existing = target_objects(url, connect_timeout=connect_timeout)
    if existing and not force:
        raise RestoreRefused(
            f"The database {describe(url)} is not empty ({', '.join(existing[:3])}"
            f"{', …' if len(existing) > 3 else ''}): restore into an empty database, or pass --force "
            "to replace the objects the backup contains."
        )
    tools = find_tools(manifest.dump_major, server=f"The archive {manifest.file}")
    conninfo, env = program_env(url)
    args = [tools.pg_restore, "--exit-on-error", "--single-transaction", "--no-password"]
    listing = None
    if existing:
        args += ["--clean", "--if-exists"]
        if _has_schema_pgwarden(url, connect_timeout):
            listing = _keep_schema_pgwarden(tools.pg_restore, archive, env)
            args += [f"--use-list={listing}"]
    if no_owner:
        args += ["--no-owner", "--no-acl"]
    say(f"restoring {manifest.id} into {describe(url)}")
    try:
        proc = run([*args, f"--dbname={conninfo}", str(archive)], env)
    finally:
        if listing is not None:
            listing.unlink(missing_ok=True)
    if proc.returncode != 0:
        hint = (
            " The backup's roles do not exist here: pass --no-owner."
            if "role" in proc.stderr and "does not exist" in proc.stderr
            else ""
        )
        raise BackupFailed(
            f"Restoring {manifest.id} into {describe(url)} failed and was rolled back: "
            f"{failure_reason('pg_restore', proc)}.{hint}"
        )
    with connect(url, timeout=connect_timeout, what="restore target") as conn:
        tables = list_tables(conn)
        rows = count_rows(conn, [(s, n) for s, n, _ in tables])
        conn.rollback()
    mismatched = [t for t, c in manifest.tables.items() if c.exact and rows.get(t) != c.rows]
    return RestoreResult(
        manifest=manifest,
        target=describe(url),
        rows=rows,
        mismatched=mismatched,
        seconds=time.monotonic() - clock,
    )


def _has_schema_pgwarden(url: str, connect_timeout: float) -> bool:
    with connect(url, timeout=connect_timeout, what="restore target") as conn:
        row = conn.execute("SELECT pg_catalog.to_regnamespace('pgwarden') IS NOT NULL").fetchone()
        conn.rollback()
    return bool(row and row[0])


def _keep_schema_pgwarden(pg_restore: str, archive: Path, env: dict[str, str]) -> Path:
    """The archive's table of contents without the entry of schema ``pgwarden`` (a temporary file).

    The schema is then neither dropped nor recreated, only the objects the backup holds in it:
    a pgwarden table newer than the backup would otherwise make ``DROP SCHEMA`` fail the restore.
    """
    proc = run([pg_restore, "--list", str(archive)], env)
    if proc.returncode != 0:
        raise BackupFailed(f"Reading the contents of {archive} failed: {failure_reason('pg_restore', proc)}.")
    kept = [line for line in proc.stdout.splitlines() if not _SCHEMA_ENTRY.search(line)]
    fd, name = tempfile.mkstemp(prefix="pgwarden-restore-", suffix=".list")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(kept) + "\n")
    return Path(name)


_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - pgwarden ")
