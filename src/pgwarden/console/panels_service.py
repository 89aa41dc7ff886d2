"""Panels about the running service: instances and their code versions, takeovers, the data-loss alarm."""

from __future__ import annotations

from datetime import datetime

from ..checks.instances import evaluate
from ..findings import Finding
from .model import Cell, Panel, Table, findings_tone, worst
from .read import Service

__all__ = ["data_loss", "instances", "takeovers"]

RECENT_TAKEOVER = 3600.0
"""A takeover within the last hour is worth a look (was it a deploy, or a crash?)."""


def ago(seconds: float) -> str:
    """``42 s``, ``7 min``, ``3 h``, ``2 d``: how long ago, short enough for a phone's column."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def when(moment: datetime) -> str:
    return (
        f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment.utcoffset() is not None else f"{moment:%Y-%m-%d %H:%M:%S}"
    )


def _role_tone(role: str) -> str:
    return {"active": "ok", "standby": "", "gone": "bad", "lost": "bad"}.get(role, "warn")


def instances(service: Service, found: list[Finding] | None = None) -> Panel:
    """Every registered instance: role, epoch, code version, host, last seen; a stale deploy flagged."""
    found = evaluate(service.status) if found is None else found
    running = [f for f in found if f.kind != "leader_takeover"]
    stale = {f.object for f in running if f.kind == "stale_code_version"}
    rows = []
    for i in service.status.instances:
        version = Cell(
            i.code_version + (" (stale deploy)" if i.label in stale else ""),
            "bad" if i.label in stale else "",
        )
        seen = Cell("stopped" if i.stopped else f"{ago(i.seen_ago)} ago", "bad" if i.role == "gone" else "")
        rows.append(
            (
                Cell(i.name),
                Cell(i.role, "" if i.stopped else _role_tone(i.role)),
                Cell(str(i.epoch) if i.epoch is not None else "-"),
                version,
                Cell(f"{i.host}:{i.pid}"),
                seen,
                Cell(
                    "yes"
                    if i.ready
                    else "no: " + "; ".join(_lead(r) for r in i.reasons)
                    if i.reasons
                    else "no",
                    "" if i.ready else "warn",
                ),
            )
        )
    active = [i for i in service.status.instances if i.role == "active" and not i.stopped]
    if not service.status.registered:
        summary = "No guardian has registered in this database: run the service under `pgwarden run`."
    elif active:
        a = active[0]
        summary = f"{a.name} is active on {a.host} (epoch {a.epoch}, code {a.code_version})."
    else:
        summary = "No instance is active."
    table = Table(
        "Instances",
        ("Name", "Role", "Epoch", "Code version", "Host:pid", "Last seen", "Ready"),
        tuple(rows),
        empty="No instance has registered.",
    )
    tone = worst([findings_tone(running), "ok" if active else ("warn" if service.status.registered else "")])
    return Panel(
        "instances",
        "Instances",
        service.read_at,
        summary,
        tone,
        tables=(table,),
        findings=tuple(running),
        missing=_grant(service),
    )


def takeovers(service: Service) -> Panel:
    """The newest takeovers with their reasons: when the lease changed hands, and why."""
    rows = tuple(
        (
            Cell(when(t.at)),
            Cell(t.name),
            Cell(str(t.epoch)),
            Cell(t.reason, "warn" if "expired" in t.reason or "crash" in t.reason else ""),
            Cell(t.holder[:8] + ("" if t.previous is None else f" (from {t.previous[:8]})")),
        )
        for t in service.takeovers
    )
    last = service.takeovers[0] if service.takeovers else None
    summary = f"Last takeover {when(last.at)}: {last.reason}." if last else "No takeover recorded."
    recent = last is not None and (service.read_at - last.at).total_seconds() < RECENT_TAKEOVER
    return Panel(
        "takeovers",
        "Takeovers",
        service.read_at,
        summary,
        "warn" if recent else ("ok" if service.status.registered else ""),
        tables=(
            Table(
                "Takeovers, newest first",
                ("At", "Lease", "Epoch", "Reason", "Holder"),
                rows,
                "No takeover recorded.",
            ),
        ),
        missing=_grant(service),
    )


def data_loss(service: Service, found: list[Finding] | None = None) -> Panel:
    """The data-loss alarm: clear, or which instance saw the cluster or its tables change under it."""
    found = evaluate(service.status) if found is None else found
    losses = [f for f in found if f.kind == "data_loss"]
    pinned = service.identity
    rows: tuple[tuple[Cell, ...], ...] = ()
    if pinned is not None:
        rows = (
            (Cell("Pinned cluster"), Cell(pinned.system_identifier or "unknown")),
            (Cell("Pinned at"), Cell(f"{when(pinned.pinned_at)} by {pinned.pinned_by}")),
        )
    if losses:
        summary = f"ALARM: {losses[0].message}"
    elif pinned is None:
        summary = "No cluster identity pinned yet: the guardian pins it on its first start."
    else:
        summary = "Clear: no instance reports data loss."
    return Panel(
        "data-loss",
        "Data-loss alarm",
        service.read_at,
        summary,
        "bad" if losses else ("ok" if pinned is not None else ""),
        tables=(Table("Cluster identity", ("What", "Value"), rows, "Nothing pinned."),) if rows else (),
        findings=tuple(losses),
        missing=_grant(service),
    )


def _grant(service: Service) -> str | None:
    return f"needs grant: {service.grant}" if service.grant else None


def _lead(reason: str) -> str:
    """A reason's first clause ("migrations are not at head"): the cell stays narrow, the finding below has it whole."""
    return reason.split(": ", 1)[0]
