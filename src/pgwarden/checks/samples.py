"""The history of each invariant (violations, lag) kept in schema pgwarden with bounded retention.

The guardian's active instance records a sample each time it runs the invariants; the console
reads them back to chart the last hours. Kept in the database, not in a process's memory, so a
restart or a takeover loses nothing and every console sees the same history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import resources

import psycopg

from ..db import connect, write_at_once
from .run import Outcome

__all__ = ["RETENTION_SECONDS", "record"]

RETENTION_SECONDS = 7 * 24 * 3600.0
"""A week of samples: at one run a minute and ten invariants, about 100,000 rows."""


def _sql(name: str) -> str:
    return resources.files(__package__).joinpath("sql").joinpath(name).read_text(encoding="utf-8")


def record(
    url: str,
    outcomes: Sequence[Outcome],
    *,
    keep: float = RETENTION_SECONDS,
    timeout: float = 5.0,
    at: datetime | None = None,
) -> int:
    """Store one sample per outcome and drop samples older than ``keep`` seconds; returns the rows stored.

    Stores nothing (0) where ``pgwarden.invariant_samples`` does not exist: the guardian said why at its start.
    """
    if not outcomes:
        return 0
    moment = at or datetime.now(timezone.utc)
    rows = [
        {
            "invariant": o.invariant.name,
            "at": moment,
            "violations": None if o.error is not None else o.count,
            "lag": (o.lag or {}).get("p95_seconds"),
        }
        for o in outcomes
    ]

    def send(conn: psycopg.Connection) -> None:
        with conn.cursor() as cur:
            cur.executemany(_sql("samples_record.sql"), rows)
        conn.execute(_sql("samples_prune.sql"), {"keep": keep})

    # The table comes with the runtime's tables (runtime/connection.py), never from here: one created
    # after a backup was taken would make restoring that backup fail. One round trip.
    with connect(url, timeout=timeout, application_name="pgwarden-samples", autocommit=True) as conn:
        if not write_at_once(conn, send):
            return 0
    return len(rows)
