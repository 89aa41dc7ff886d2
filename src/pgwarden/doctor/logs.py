"""``analyze(sources)``: read every log source once and build the incident report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import IO

from . import signature_catalog
from .errors import LogSourceError
from .reader import LogSource, blocks, is_gzip
from .report import LogReport, build
from .scan import PARALLEL_MIN_BYTES, Result, Scanner, default_jobs, scan_file_parallel

__all__ = ["analyze"]


def analyze(
    sources: Sequence[LogSource],
    *,
    since: datetime | None = None,
    stdin: IO[bytes] | None = None,
    jobs: int | None = None,
    engine: str | None = None,
    zone: tzinfo | None = None,
) -> LogReport:
    """Scan ``sources`` and report incidents; raises ``LogSourceError`` for a source that cannot be read.

    ``zone`` is what log times without a zone are read in (default: this host's zone).
    """
    jobs = default_jobs() if jobs is None else jobs
    total = Result()
    notes: list[str] = []
    for source in sources:
        if source.kind == "file" and jobs > 1 and _splittable(source.name):
            total.merge(scan_file_parallel(source.name, jobs=jobs, since=since, engine=engine, zone=zone))
            continue
        scanner = Scanner(since=since, engine=engine, zone=zone)
        scanner.feed(blocks(source, since=since, stdin=stdin))
        part = scanner.finish()
        if part.bytes_read == 0 and source.kind == "journal" and since is None:
            # journalctl says nothing and exits 0 for a unit name that does not exist
            raise LogSourceError(
                f"The journal has no entries for unit {source.name!r}: check the unit name "
                f"(systemctl list-units --all {source.name!r}) and that this user may read the "
                "journal (root or the systemd-journal group)."
            )
        if part.bytes_read == 0:
            notes.append(f"{source.label} is empty.")
        total.merge(part)
    report = build(total, signature_catalog.load(), sources=[s.label for s in sources], since=since)
    if total.garbage_lines:
        notes.append(
            f"{total.garbage_lines} line(s) were binary (control bytes); they are counted as unclassified."
        )
    if total.legacy_lines:
        notes.append(
            f"{total.legacy_lines} line(s) were not UTF-8; they were read as cp1251 or Latin-1 and matched as usual."
        )
    report.notes = notes
    return report


def _splittable(path: str) -> bool:
    try:
        return os.path.isfile(path) and os.path.getsize(path) >= PARALLEL_MIN_BYTES and not is_gzip(path)
    except OSError:
        return False
