"""The guardian's events for the console's timeline, kept in ``pgwarden.events`` with bounded retention.

What an operator asks after an incident — when did the gate fail and why, when did this instance
lose the lease, did last night's backup verify — is written here as it happens. Takeovers, the
migration ledger and the instances' starts and stops are already tables; the console merges all of
them into one timeline. Written in the background: a slow or unreachable database costs the
timeline an entry, never a lease renewal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from importlib import resources

import psycopg

from ..db import connect, write_at_once

__all__ = ["KEEP_DAYS", "KEEP_ROWS", "note", "record", "settle"]

log = logging.getLogger("pgwarden.runtime")

KEEP_DAYS = 30
KEEP_ROWS = 10_000
"""Whichever bound comes first: a month of a quiet service, or a gate that flapped all week."""
OUTCOMES = ("ok", "warn", "bad")

_pending: set[asyncio.Task[None]] = set()


def _sql(name: str) -> bytes:
    return resources.files(__package__).joinpath("sql").joinpath(name).read_text(encoding="utf-8").encode()


def record(url: str, *, name: str, kind: str, outcome: str, summary: str, timeout: float = 5.0) -> bool:
    """Store one event and apply the retention; False when the database has no ``pgwarden.events``.

    The table comes with the runtime's tables (``connection.ensure_schema``), never from here: a
    table created after a backup was taken would make restoring that backup fail, and a database
    the guardian has not set up (a fresh one, one swapped under it) is not written into.
    """
    assert outcome in OUTCOMES, outcome
    instance = f"{socket.gethostname()}:{os.getpid()}"
    values = {"name": name, "instance": instance, "kind": kind, "outcome": outcome, "summary": _cut(summary)}

    def send(conn: psycopg.Connection) -> None:
        conn.execute(_sql("events_record.sql"), values)
        conn.execute(_sql("events_prune.sql"), {"days": KEEP_DAYS, "rows": KEEP_ROWS})

    with connect(url, timeout=timeout, application_name="pgwarden-history", autocommit=True) as conn:
        return write_at_once(conn, send)  # one round trip; nothing where pgwarden.events is missing


def _cut(summary: str, limit: int = 500) -> str:
    """One event is a line on a page: the whole story is in the guardian's log."""
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"


def note(url: str, *, name: str, kind: str, outcome: str, summary: str, timeout: float = 5.0) -> None:
    """``record`` in the background from the guardian's loop: never waits, never raises."""

    async def write() -> None:
        try:
            await asyncio.to_thread(
                record, url, name=name, kind=kind, outcome=outcome, summary=summary, timeout=timeout
            )
        except Exception as exc:  # noqa: BLE001 - the timeline is a record, the guardian's work goes on
            log.warning("timeline event not stored (%s: %s): %s", kind, summary[:80], exc)

    task = asyncio.create_task(write(), name="pgwarden-history")
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def settle(timeout: float = 2.0) -> None:
    """Give the events still being written a moment (a stopping instance's last demotion)."""
    if _pending:
        await asyncio.wait(set(_pending), timeout=timeout)
