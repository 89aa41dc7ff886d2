"""Reading what the console shows from the database: one READ ONLY transaction for the service's state.

Everything here only reads; what it cannot read for want of a privilege it reports as the GRANT
that is missing (``Service.grant``), never as an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from typing import Any

import psycopg

from ..checks.instances import Status, read_status
from ..db import read_only
from ..privileges import pgwarden_schema_grant

__all__ = ["Event", "Identity", "Lifetime", "Sample", "Service", "Takeover", "read_service"]

TAKEOVERS_SHOWN = 20
TIMELINE_DAYS = 7
"""The timeline's window (events are kept 30 days; a week is what an incident review looks back on)."""
TIMELINE_ROWS = 200
"""Rows of each source read for the timeline; the page shows the newest of the merged whole."""
CHART_WINDOW = 24 * 3600.0
"""The charts show the last day."""
CHART_POINTS = 120
"""Samples per invariant sent to the page, however many the window holds."""


@dataclass(frozen=True)
class Takeover:
    name: str
    epoch: int
    holder: str
    previous: str | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class Identity:
    system_identifier: str | None
    pinned_at: datetime
    pinned_by: str


@dataclass(frozen=True)
class Sample:
    invariant: str
    at: float
    violations: int | None
    lag_p95: float | None


@dataclass(frozen=True)
class Event:
    """One row of ``pgwarden.events``: what a guardian did or saw (written by runtime/history.py)."""

    at: datetime
    name: str
    instance: str
    kind: str
    outcome: str
    summary: str


@dataclass(frozen=True)
class Lifetime:
    """When an instance started, and stopped if it said so."""

    name: str
    host: str
    pid: int
    code_version: str
    started_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    applied_at: datetime
    duration_ms: int
    success: bool
    error: str | None


@dataclass
class Service:
    """The service's state as the database records it, read at ``read_at``."""

    read_at: datetime
    database: str
    grant: str | None = None
    """The GRANT this role needs to read schema pgwarden (``None``: it may, or there is none)."""
    status: Status = field(default_factory=lambda: Status([], [], registered=False))
    takeovers: list[Takeover] = field(default_factory=list)
    identity: Identity | None = None
    ledger: list[Migration] | None = None
    """``None``: no ledger table (no migration ever ran under pgwarden)."""
    samples: list[Sample] = field(default_factory=list)
    sampled: bool = False
    """Whether the samples table exists (a guardian has recorded invariants)."""
    events: list[Event] | None = None
    """``None``: no events table (no guardian recorded one yet)."""
    lifetimes: list[Lifetime] = field(default_factory=list)


_WINDOW = {"days": TIMELINE_DAYS, "limit": TIMELINE_ROWS}


def _sql(name: str) -> bytes:
    return resources.files(__package__).joinpath("sql").joinpath(name).read_text(encoding="utf-8").encode()


def read_service(url: str, *, database: str, timeout: float = 5.0) -> Service:
    """Instances, leases, takeovers, identity, ledger, samples and events, in one read-only transaction."""
    with read_only(url, timeout=timeout) as conn:
        service = Service(read_at=_now(conn), database=database)
        service.grant = pgwarden_schema_grant(conn)
        if service.grant is not None:
            return service
        tables = {r[0] for r in conn.execute(_sql("tables.sql")).fetchall()}
        service.status = read_status(conn)
        if "takeovers" in tables:
            service.takeovers = [
                Takeover(r[0], int(r[1]), r[2], r[3], r[4], r[5])
                for r in conn.execute(_sql("takeovers.sql"), {"limit": TAKEOVERS_SHOWN})
            ]
        if "instances" in tables:
            service.lifetimes = [Lifetime(*r) for r in conn.execute(_sql("lifetimes.sql"), _WINDOW)]
        if "events" in tables:
            service.events = [Event(*r) for r in conn.execute(_sql("events.sql"), _WINDOW)]
        if "identity" in tables:
            row = conn.execute(_sql("identity.sql")).fetchone()
            service.identity = Identity(row[0], row[1], row[2]) if row else None
        if "migrations" in tables:
            service.ledger = _ledger(conn)
        if "invariant_samples" in tables:
            service.sampled = True
            service.samples = [
                Sample(r[0], float(r[1]), r[2], r[3])
                for r in conn.execute(_sql("samples.sql"), {"window": CHART_WINDOW, "points": CHART_POINTS})
            ]
    return service


def _ledger(conn: psycopg.Connection[Any]) -> list[Migration]:
    rows = conn.execute(_sql("ledger.sql")).fetchall()
    return [Migration(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]), r[5]) for r in rows]


def _now(conn: psycopg.Connection[Any]) -> datetime:
    row = conn.execute("SELECT now()").fetchone()
    return row[0] if row else datetime.now(timezone.utc)
