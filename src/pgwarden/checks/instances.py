"""The instances ``pgwarden run`` registered and their leases, read-only, and the findings they imply.

Read by ``pgwarden status`` and ``pgwarden check``; the runtime writes these tables, this module only reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from typing import Any

import psycopg

from .. import codes
from ..db import read_only, read_only_reading
from ..findings import Finding, Severity
from ..providers import Context

__all__ = ["InstanceRow", "InstancesProvider", "LeaseRow", "Status", "evaluate", "read_status"]

_RECENT_STOP = 3600.0
"""Seconds a stopped instance stays in the listing."""


@dataclass(frozen=True)
class InstanceRow:
    id: str
    name: str
    host: str
    pid: int
    role: str
    epoch: int | None
    code_version: str
    ready: bool
    reasons: tuple[str, ...]
    started_at: datetime
    last_seen: datetime
    seen_ago: float
    stopped: bool
    ttl: float = 10.0

    @property
    def label(self) -> str:
        return f"{self.name}/{self.host}:{self.pid}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "host": self.host,
            "pid": self.pid,
            "role": self.role,
            "epoch": self.epoch,
            "code_version": self.code_version,
            "ready": self.ready,
            "reasons": list(self.reasons),
            "started_at": self.started_at.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "seen_seconds_ago": round(self.seen_ago, 1),
        }


@dataclass(frozen=True)
class LeaseRow:
    name: str
    epoch: int
    holder: str | None
    valid: bool
    """Held, not released, not expired."""
    last_takeover_at: datetime | None
    last_takeover_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "epoch": self.epoch,
            "holder": self.holder,
            "valid": self.valid,
            "last_takeover_at": self.last_takeover_at.isoformat() if self.last_takeover_at else None,
            "last_takeover_reason": self.last_takeover_reason,
        }


@dataclass(frozen=True)
class Status:
    instances: list[InstanceRow]
    leases: list[LeaseRow]
    registered: bool
    """False when no instance ever registered in this database (no pgwarden.instances)."""


def _sql(name: str) -> str:
    return resources.files(__package__).joinpath("sql").joinpath(name).read_text(encoding="utf-8")


def present_query() -> bytes:
    """Whether any instance ever registered here (one row, no parameters; it never fails)."""
    return _sql("instances_present.sql").encode()


def read_status(
    conn: psycopg.Connection[Any], *, name: str | None = None, present: bool | None = None
) -> Status:
    """Read instances and leases (call inside a read-only transaction); ``present``: whether
    ``pgwarden.instances`` exists, when the caller has asked already (``present_query``)."""
    if present is None:
        row = conn.execute("SELECT pg_catalog.to_regclass('pgwarden.instances') IS NOT NULL").fetchone()
        present = bool(row and row[0])
    if not present:
        return Status([], [], registered=False)
    # Both reads in one round trip (each costs a remote database's latency).
    with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
        instances_read, leases_read = (conn.execute(*s) for s in status_queries(name))
    return status_from(instances_read.fetchall(), leases_read.fetchall())


def read_seen_status(conn: psycopg.Connection[Any], *, name: str | None = None) -> Status:
    """Instances and leases when the caller saw ``pgwarden.instances`` on ``conn`` (autocommit, idle):
    one round trip, the READ ONLY transaction's BEGIN and ROLLBACK included; none when it was
    dropped since."""
    try:
        with read_only_reading(conn, status_queries(name), only=True) as (instances, leases):
            return status_from(instances.fetchall(), leases.fetchall())
    except psycopg.errors.UndefinedTable:
        return Status([], [], registered=False)


def status_queries(name: str | None = None) -> list[tuple[bytes, dict[str, Any]]]:
    """The reads of the instances and of the leases (of ``name``, else all), for :func:`status_from`;
    they fail when ``pgwarden.instances`` does not exist."""
    return [
        (_sql("status_instances.sql").encode(), {"name": name, "recent": _RECENT_STOP}),
        (_sql("status_leases.sql").encode(), {"name": name}),
    ]


def status_from(rows: Sequence[Sequence[Any]], lease_rows: Sequence[Sequence[Any]]) -> Status:
    """The status the rows of :func:`status_queries` describe."""
    instances = [
        InstanceRow(
            id=str(r[0]),
            name=r[1],
            host=r[2],
            pid=int(r[3]),
            role=r[4],
            epoch=r[5],
            code_version=r[6],
            ready=bool(r[7]),
            reasons=tuple(r[8] or ()),
            started_at=r[9],
            last_seen=r[10],
            seen_ago=float(r[11]),
            stopped=bool(r[12]),
            ttl=float(r[13]),
        )
        for r in rows
    ]
    leases = [
        LeaseRow(r[0], int(r[1]), str(r[2]) if r[2] else None, bool(r[3]), r[4], r[5]) for r in lease_rows
    ]
    return Status([shown(i, leases) for i in instances], leases, registered=True)


def shown(inst: InstanceRow, leases: Sequence[LeaseRow]) -> InstanceRow:
    """The row with the role it has now: a process killed with SIGKILL never wrote ``stopped``, so its
    row still says what it was; once it is silent past its ttl (its lease expired with it) it is gone,
    and an ``active`` row whose lease is no longer valid and its own has lost it."""
    if inst.stopped:
        return inst
    if inst.seen_ago > inst.ttl:
        return replace(inst, role="gone")
    if inst.role == "active" and not any(
        lease.name == inst.name and lease.valid and lease.holder == inst.id for lease in leases
    ):
        return replace(inst, role="lost")
    return inst


def _finding(kind: str, obj: str, message: str, hint: str, **evidence: Any) -> Finding:
    return codes.finding(kind, obj, message, hint, source="runtime", evidence=evidence)


def evaluate(status: Status, *, ttl: float | None = None) -> list[Finding]:
    """Findings: not-ready and data-loss instances, stale code, silent instances, no leader, last takeover.

    An instance is silent after ``ttl`` seconds, by default the ttl it registered with.
    """
    found: list[Finding] = []
    running = [i for i in status.instances if not i.stopped]
    live = [i for i in running if i.seen_ago <= (ttl or i.ttl)]
    for inst in running:
        limit = ttl or inst.ttl
        if inst.seen_ago > limit:
            found.append(
                _finding(
                    "instance_not_seen",
                    inst.label,
                    f"Instance {inst.label} ({inst.role}) has not reported for {inst.seen_ago:.0f} s (ttl {limit:g} s).",
                    "It crashed, hangs or lost the database; check the process on that host. A row of a "
                    "process killed with SIGKILL stays until it is cleaned up; it no longer holds the lease.",
                    seen_seconds_ago=round(inst.seen_ago, 1),
                    role=inst.role,
                )
            )
    for inst in live:
        losses = [r for r in inst.reasons if r.startswith("data loss:")]
        others = [r for r in inst.reasons if not r.startswith("data loss:")]
        if losses:
            found.append(
                _finding(
                    "data_loss",
                    inst.label,
                    f"Instance {inst.label} detected data loss: {losses[0].removeprefix('data loss: ')}.",
                    "Do not let the service recreate empty tables: restore the newest verified backup, then "
                    "run `pgwarden run --accept-database` once to pin the restored database.",
                    reasons=losses,
                )
            )
        if others and not inst.ready:
            found.append(
                _finding(
                    "not_ready",
                    inst.label,
                    f"Instance {inst.label} may not become active: {others[0]}.",
                    "Fix the reason (apply pending migrations, fix the contract drift, restore the database) "
                    "and the instance becomes ready by itself.",
                    reasons=others,
                )
            )
    by_name: dict[str, list[InstanceRow]] = {}
    for inst in live:
        by_name.setdefault(inst.name, []).append(inst)
    leases = {lease.name: lease for lease in status.leases}
    for name, group in sorted(by_name.items()):
        newest = max(group, key=lambda i: i.started_at)
        for inst in group:
            if inst.code_version != newest.code_version:
                found.append(
                    _finding(
                        "stale_code_version",
                        inst.label,
                        f"Instance {inst.label} runs code {inst.code_version}, the newest registered instance "
                        f"runs {newest.code_version}.",
                        "A stale deploy: restart it from the current release (and clear stale __pycache__).",
                        running=inst.code_version,
                        newest=newest.code_version,
                        newest_instance=newest.label,
                    )
                )
        lease = leases.get(name)
        if lease is None or not lease.valid:
            found.append(
                _finding(
                    "no_active_instance",
                    name,
                    f"{len(group)} instance(s) of {name!r} run but none holds the lease.",
                    "Look at their reasons (PW401, PW404): a failed schema gate or data loss keeps every "
                    "instance standing by.",
                    instances=[i.label for i in group],
                )
            )
    for lease in status.leases:
        if lease.last_takeover_at is not None:
            found.append(
                _finding(
                    "leader_takeover",
                    lease.name,
                    f"Last takeover of {lease.name!r} at {lease.last_takeover_at:%Y-%m-%d %H:%M:%S %Z}: "
                    f"{lease.last_takeover_reason}.",
                    "Nothing to do if it was expected; otherwise look at the previous leader's host and logs.",
                    epoch=lease.epoch,
                    at=lease.last_takeover_at.isoformat(),
                )
            )
    return found


def table(instances: Sequence[InstanceRow]) -> list[str]:
    """A plain text listing of the instances, newest first."""
    lines = [f"{'NAME':<16} {'ROLE':<10} {'EPOCH':>5} {'HOST:PID':<28} {'CODE':<14} {'SEEN':>7}  READY"]
    for i in instances:
        seen = "stopped" if i.stopped else f"{i.seen_ago:.0f}s ago"
        lines.append(
            f"{i.name[:16]:<16} {i.role[:10]:<10} {i.epoch or '-':>5} {f'{i.host}:{i.pid}'[:28]:<28} "
            f"{i.code_version[:14]:<14} {seen:>7}  {'yes' if i.ready else 'no'}"
        )
    return lines


class InstancesProvider:
    """Warnings and errors about the running instances (not ready, data loss, stale code, silent, no leader)."""

    name = "instances"

    def findings(self, ctx: Context) -> list[Finding]:
        if ctx.conn is not None and ctx.registered:
            status = read_seen_status(ctx.conn)
        elif ctx.conn is not None:
            # The probe goes with the BEGIN: a round trip less.
            with read_only_reading(ctx.conn, [present_query()]) as (present,):
                status = read_status(ctx.conn, present=bool(present.fetchall()[0][0]))
        else:
            with read_only(ctx.url, timeout=ctx.cfg.connect_timeout) as conn:
                status = read_status(conn)
        return [f for f in evaluate(status) if f.severity is not Severity.INFO]
