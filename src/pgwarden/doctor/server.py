"""Probes of the database server: restarts, cluster identity, connections, stuck sessions, locks, size."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ..db import read_only
from ..findings import Finding, Severity
from ..urls import describe
from .host import finding

__all__ = ["Thresholds", "probe_server", "overview_findings"]


@dataclass(frozen=True)
class Thresholds:
    long_query: float = 300.0
    """Seconds one statement may run before it is reported."""
    idle_in_transaction: float = 60.0
    """Seconds a session may sit idle inside a transaction."""
    recent_restart: timedelta = timedelta(hours=24)
    connections_warning: float = 0.8
    connections_error: float = 0.95


@cache
def _query(name: str) -> bytes:
    return resources.files(__package__).joinpath("queries").joinpath(f"{name}.sql").read_bytes()


def overview_findings(row: dict[str, Any], limits: Thresholds, *, target: str) -> list[Finding]:
    """Restart, connection and size findings from one row of ``overview.sql`` (pure)."""
    found = []
    up = row["now"] - row["started_at"]
    if up < limits.recent_restart:
        found.append(
            finding(
                "server_restarted",
                target,
                f"PostgreSQL at {target} started {_ago(up)} ago ({row['started_at']:%Y-%m-%d %H:%M:%S %Z}): every "
                "connection was dropped then.",
                "If nobody restarted it, look for crash recovery, OOM kills and disk-full lines in its log "
                "(`pgwarden doctor logs --docker postgres` or the server log).",
                {"started_at": row["started_at"].isoformat(), "uptime_seconds": int(up.total_seconds())},
            )
        )
    usable = max(1, row["max_connections"] - row["reserved"])
    share = row["connections"] / usable
    if share >= limits.connections_warning:
        found.append(
            finding(
                "connections_near_limit",
                target,
                f"{row['connections']} of {usable} usable connections are in use ({share:.0%}): new connections "
                "will soon be refused with 'too many clients'.",
                "Lower pool sizes or the number of processes and end idle-in-transaction sessions; a pooler "
                "(PgBouncer in transaction mode) shares few server connections among many clients, but session "
                "state (SET, advisory locks, LISTEN, prepared statements) stops holding for the application, "
                "so read docs/poolers.md first; raise max_connections only with memory to spare.",
                {
                    "connections": row["connections"],
                    "max_connections": row["max_connections"],
                    "reserved": row["reserved"],
                },
                Severity.ERROR if share >= limits.connections_error else Severity.WARNING,
            )
        )
    found.append(
        finding(
            "database_size",
            f"{target}",
            f"Database {row['database']} uses {row['database_size'] / 2**20:.1f} MiB on PostgreSQL {row['version']}, "
            f"up since {row['started_at']:%Y-%m-%d %H:%M:%S %Z}, {row['connections']} connection(s).",
            "Compare with the disk's free space (doctor env reports it) and with the size your backups restore.",
            {
                "database_size_bytes": row["database_size"],
                "version": row["version"],
                "started_at": row["started_at"].isoformat(),
                "connections": row["connections"],
                "max_connections": row["max_connections"],
            },
        )
    )
    return found


def session_findings(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    found = []
    for r in rows:
        who = (
            f"pid {r['pid']} ({r['usename']}{', ' + r['application_name'] if r['application_name'] else ''})"
        )
        if r["state"] == "active":
            found.append(
                finding(
                    "long_running_query",
                    f"pid:{r['pid']}",
                    f"Session {who} has run one statement for {_ago(timedelta(seconds=r['query_seconds']))}: "
                    f"{_one_line(r['query'])}",
                    "Check it with EXPLAIN; if it is stuck, end it with "
                    f"`SELECT pg_cancel_backend({r['pid']})` and add the index or timeout it needs.",
                    dict(r),
                )
            )
        else:
            found.append(
                finding(
                    "idle_in_transaction",
                    f"pid:{r['pid']}",
                    f"Session {who} has been idle inside a transaction for "
                    f"{_ago(timedelta(seconds=r['state_seconds']))}: it holds its locks and a connection. "
                    f"Last statement: {_one_line(r['query'])}",
                    "Commit or roll back before awaiting network calls; set idle_in_transaction_session_timeout; "
                    f"end it now with `SELECT pg_terminate_backend({r['pid']})`.",
                    dict(r),
                )
            )
    return found


def blocked_findings(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    return [
        finding(
            "blocked_lock",
            f"pid:{r['pid']}",
            f"Session pid {r['pid']} has waited {_ago(timedelta(seconds=r['waiting_seconds'] or 0))} for a lock "
            f"held by pid {r['blocking_pid']} ({r['blocking_state']}: {_one_line(r['blocking_query'])}).",
            f"Finish or end the blocking session (`SELECT pg_terminate_backend({r['blocking_pid']})` if it is stuck), "
            "and keep transactions that lock rows short.",
            dict(r),
        )
        for r in rows
    ]


def identity_findings(
    pinned: tuple[str | None, int] | None, actual: tuple[str | None, int], *, target: str
) -> list[Finding]:
    """Compare the pinned (system_identifier, database oid) with the server's (pure)."""
    if pinned is None:
        return []
    (pin_sysid, pin_oid), (sysid, oid) = pinned, actual
    if pin_sysid and sysid and pin_sysid != sysid:
        what = f"cluster identifier {sysid}, pinned {pin_sysid}: this is a different PostgreSQL cluster"
    elif pin_oid != oid:
        what = f"database oid {oid}, pinned {pin_oid}: the database was dropped and created again"
    else:
        return []
    return [
        finding(
            "cluster_identity_changed",
            target,
            f"{target} is not the database pgwarden pinned ({what}); data written before may be gone (incident 003).",
            "Stop the application so it does not fill a fresh, empty database; find the old data directory or "
            "volume, or restore the last backup, and re-pin only when you accept the new database.",
            {
                "system_identifier": sysid,
                "pinned_system_identifier": pin_sysid,
                "database_oid": oid,
                "pinned_database_oid": pin_oid,
            },
        )
    ]


def instance_findings(rows: Sequence[dict[str, Any]], *, disk_version: str, host: str) -> list[Finding]:
    """Running instances on this host whose code version differs from the code on disk (pure)."""
    return [
        finding(
            "code_version_mismatch",
            f"instance:{r['name']}@{r['host']}:{r['pid']}",
            f"Instance {r['name']} (pid {r['pid']}) registered code version {r['code_version']}, but the code on "
            f"disk is {disk_version}: it runs old code (incident 000).",
            "Restart it so it loads the code on disk, and clear stale bytecode first if `doctor env` reports any.",
            {"registered": r["code_version"], "on_disk": disk_version, "pid": r["pid"], "role": r["role"]},
        )
        for r in rows
        if r["host"] == host and r["code_version"] != disk_version
    ]


def probe_server(
    url: str, *, limits: Thresholds | None = None, disk_version: str | None = None
) -> list[Finding]:
    """Every server probe, in one read-only transaction; the overview, sessions and locks with its
    BEGIN, in one round trip (each costs a remote database's latency)."""
    limits = limits or Thresholds()
    target = describe(url)
    params = {"long_query": limits.long_query, "idle": limits.idle_in_transaction}
    with read_only(url) as conn:
        cur = conn.cursor(row_factory=dict_row)
        with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
            overview, sessions, blocked = (
                conn.cursor(row_factory=dict_row).execute(*q)
                for q in ((_query("overview"), None), (_query("sessions"), params), (_query("blocked"), None))
            )
        row = overview.fetchone()
        assert row is not None
        found = overview_findings(row, limits, target=target)
        if row["has_identity"]:
            actual = (_system_identifier(cur) if row["may_read_control"] else None, row["database_oid"])
            found += identity_findings(_pinned(cur), actual, target=target)
        found += session_findings(sessions.fetchall())
        found += blocked_findings(blocked.fetchall())
        if row["has_instances"] and disk_version:
            rows = cur.execute(_query("instances")).fetchall()
            found += instance_findings(rows, disk_version=disk_version, host=socket.gethostname())
    return found


def _system_identifier(cur: psycopg.Cursor[dict[str, Any]]) -> str:
    got = cur.execute(b"SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()").fetchone()
    assert got is not None
    return str(got["id"])


def _pinned(cur: psycopg.Cursor[dict[str, Any]]) -> tuple[str | None, int] | None:
    try:
        with cur.connection.transaction():
            pin = cur.execute(
                b"SELECT system_identifier, database_oid::int8 AS oid FROM pgwarden.identity WHERE id = 1"
            ).fetchone()
    except (
        psycopg.errors.Error
    ):  # a pgwarden.identity of another shape or without privileges: no pin to compare
        return None
    return (pin["system_identifier"], int(pin["oid"])) if pin else None


def _ago(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} days"


def _one_line(query: str | None) -> str:
    text = " ".join((query or "").split())
    return text[:200] + ("…" if len(text) > 200 else "")
