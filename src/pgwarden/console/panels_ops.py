"""Panels about operations: the backups against their policy, and the doctor's incidents in the logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..backup.manifest import Entry
from ..backup.report import size
from ..doctor.report import LogReport
from ..findings import Finding
from .model import Cell, Panel, Table, findings_tone, tone_of
from .panels_service import ago, when

__all__ = ["backups", "incidents"]


def backups(
    entries: Sequence[Entry] | None,
    findings: Sequence[Finding],
    read_at: datetime | None,
    *,
    max_age: float,
    where: str = "",
) -> Panel:
    """Last created, last verified by restore, size and age against ``backup.max_age``."""
    if entries is None:
        return Panel(
            "backups",
            "Backups",
            read_at,
            "Not configured.",
            missing="not configured: set `backup.dir` in the config",
        )
    now = read_at
    complete = [e for e in entries if e.complete and e.manifest is not None]
    verified = [e for e in complete if e.status == "verified"]
    rows = []
    for e in reversed(entries[-10:]):
        m = e.manifest
        age_s = (now - m.started).total_seconds() if (m and now) else None
        old = age_s is not None and age_s > max_age
        rows.append(
            (
                Cell(e.id),
                Cell(
                    e.status,
                    {"verified": "ok", "failed": "bad", "damaged": "bad", "incomplete": "warn"}.get(
                        e.status, ""
                    ),
                ),
                Cell(size(m.size) if m else "-"),
                Cell("-" if age_s is None else ago(age_s), "warn" if old else ""),
                Cell(m.verification.at if m and m.verification else "-"),
            )
        )
    newest = complete[-1].manifest if complete else None
    newest_verified = verified[-1].manifest if verified else None
    parts = [
        f"newest {ago((now - newest.started).total_seconds())} old" if newest and now else "no backup yet"
    ]
    if newest_verified is not None and now is not None:
        parts.append(f"newest verified {ago((now - newest_verified.started).total_seconds())} old")
    parts.append(f"policy: verified within {ago(max_age)}")
    return Panel(
        "backups",
        "Backups",
        read_at,
        "; ".join(parts).capitalize() + ".",
        findings_tone(findings) or ("ok" if newest_verified else "warn"),
        tables=(
            Table(
                f"In {where}" if where else "Backups",
                ("Backup", "Status", "Size", "Age", "Verified at"),
                tuple(rows),
                "No backup in the directory.",
            ),
        ),
        findings=tuple(findings),
    )


def incidents(
    report: LogReport | None, read_at: datetime | None, *, sources: Sequence[str], problem: str | None = None
) -> Panel:
    """The doctor's incident groups found in the configured logs: what, how often, when last, what to do."""
    if not sources:
        return Panel(
            "incidents",
            "Incidents in the logs",
            read_at,
            "No logs given.",
            missing="no logs given: start the console with --log FILE, --unit UNIT or --container NAME",
        )
    if report is None:
        return Panel(
            "incidents",
            "Incidents in the logs",
            read_at,
            problem or "Reading the logs…",
            "warn" if problem else "",
            error=problem,
        )
    rows = tuple(
        (
            Cell(i.signature.severity.value, tone_of(i.signature.severity)),
            Cell(i.signature.title),
            Cell(str(i.tally.count)),
            Cell(when(i.tally.last_seen) if i.tally.last_seen else "-"),
            Cell(i.signature.remedy),
        )
        for i in report.incidents
    )
    summary = (
        f"{len(report.incidents)} kind(s) of incident in {size(report.bytes_read)} of logs ({', '.join(sources)})."
        if report.incidents
        else f"No known incident in {size(report.bytes_read)} of logs ({', '.join(sources)})."
    )
    severities = [tone_of(i.signature.severity) for i in report.incidents]
    return Panel(
        "incidents",
        "Incidents in the logs",
        read_at,
        summary,
        max(severities, key=("", "ok", "warn", "bad").index, default="ok"),
        tables=(
            Table(
                "Incident groups",
                ("Severity", "What", "Count", "Last seen", "What to do"),
                rows,
                "No incident.",
            ),
        ),
        notes=tuple(report.notes),
    )
