"""The timeline: what happened to the service over the last week, newest first, from every record kept.

After an incident the operator asks "what happened, in what order": the guardian's events (gate
verdicts, demotions, scheduled backups), the takeovers, the migration ledger and the instances'
starts and stops are one list here, merged by time. Pure: built from a ``Service`` already read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from .model import Cell, Marks, Panel, Table
from .panels_schema import PLACE
from .panels_service import when
from .read import TIMELINE_DAYS, Service

__all__ = ["Entry", "entries", "timeline"]

KINDS = {"gate": "Schema gate", "leadership": "Leadership", "backup": "Backup"}
_TONE = {"ok": "ok", "warn": "warn", "bad": "bad"}
RECENT = 24 * 3600.0
"""Failures within the last day make the panel ask for a look."""


@dataclass(frozen=True)
class Entry:
    at: datetime
    what: str
    tone: str
    text: str
    source: str
    """Where it is recorded (an instance, a lease, the ledger)."""


def entries(service: Service) -> list[Entry]:
    """Every recorded moment of the window, newest first."""
    found = [*_events(service), *_takeovers(service), *_migrations(service), *_lifetimes(service)]
    return sorted(found, key=lambda e: e.at, reverse=True)


def timeline(service: Service) -> Panel:
    found = entries(service)
    rows = tuple(
        (
            Cell(when(e.at)),
            Cell(e.what, e.tone),
            Cell(e.text, e.tone if e.tone == "bad" else ""),
            Cell(e.source),
        )
        for e in found
    )
    recent = [e for e in found if (service.read_at - e.at).total_seconds() < RECENT]
    failures = [e for e in recent if e.tone == "bad"]
    if not found:
        summary = f"Nothing recorded in the last {TIMELINE_DAYS} days."
    else:
        summary = f"{len(recent)} event(s) in the last day" + (
            f", {len(failures)} failure(s): the newest {when(failures[0].at)}, {failures[0].text.rstrip('.')}"
            if failures
            else ", no failure"
        )
        summary += f"; {len(found)} in the last {TIMELINE_DAYS} days."
    notes: tuple[str, ...] = ()
    if service.events is None and service.grant is None:
        notes = (
            "No guardian has recorded gate verdicts, demotions or backups here yet (`pgwarden run` does).",
        )
    return Panel(
        "timeline",
        "Timeline",
        service.read_at,
        summary,
        "bad" if failures else ("warn" if any(e.tone == "warn" for e in recent) else ("ok" if found else "")),
        tables=(Table("What happened, newest first", ("At", "What", "Details", "Where"), rows, summary),),
        missing=f"needs grant: {service.grant}" if service.grant else None,
        notes=notes,
        marks=Marks(
            f"the last {TIMELINE_DAYS} days",
            service.read_at.timestamp() - TIMELINE_DAYS * 86400.0,
            service.read_at.timestamp(),
            tuple((e.at.timestamp(), e.tone) for e in found),
        ),
    )


def _events(service: Service) -> Iterator[Entry]:
    for e in service.events or ():
        yield Entry(
            e.at, KINDS.get(e.kind, e.kind), _TONE.get(e.outcome, ""), e.summary, f"{e.name} on {e.instance}"
        )


def _takeovers(service: Service) -> Iterator[Entry]:
    for t in service.takeovers:
        tone = "warn" if "expired" in t.reason or "crash" in t.reason else ""
        yield Entry(
            t.at, "Takeover", tone, f"epoch {t.epoch}: {t.reason}", f"{t.name}, holder {t.holder[:8]}"
        )


def _migrations(service: Service) -> Iterator[Entry]:
    for m in service.ledger or ():
        if (service.read_at - m.applied_at).days >= TIMELINE_DAYS:
            continue
        if m.success:
            yield Entry(
                m.applied_at,
                "Migration",
                "ok",
                f"{m.version} {m.name} applied in {m.duration_ms} ms",
                "ledger",
            )
        else:
            first = PLACE.sub("", (m.error or "no error recorded").splitlines()[0], count=1)
            yield Entry(m.applied_at, "Migration", "bad", f"{m.version} {m.name} failed: {first}", "ledger")


def _lifetimes(service: Service) -> Iterator[Entry]:
    for life in service.lifetimes:
        where = f"{life.name} on {life.host}:{life.pid}"
        if (service.read_at - life.started_at).days < TIMELINE_DAYS:
            yield Entry(life.started_at, "Instance", "", f"started, code {life.code_version}", where)
        if life.stopped_at is not None:
            yield Entry(life.stopped_at, "Instance", "", "stopped", where)
