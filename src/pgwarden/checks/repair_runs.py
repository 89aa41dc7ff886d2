"""The repair-runs ledger (``pgwarden.repair_runs``): claim an invariant's repair, start or resume a run, end it.

One session repairs an invariant at a time (an advisory lock); each run records its checkpoint
so a killed repair resumes after its last committed batch.
"""

from __future__ import annotations

import time
from importlib import resources
from typing import Any

import orjson
import psycopg
from psycopg import sql

from ..db import SCHEMA_LOCK, read_only_transaction
from ..migrate.ledger import actor
from ..urls import describe
from .errors import RepairBusy
from .invariants import Invariant

__all__ = ["claim", "ensure_table", "find_resumable", "finish_run", "query", "start_run"]


def query(name: str) -> str:
    """The statement in ``sql/{name}.sql``."""
    return resources.files(__package__).joinpath(f"sql/{name}.sql").read_text(encoding="utf-8")


def find_resumable(conn: psycopg.Connection[Any], inv: Invariant) -> dict[str, Any] | None:
    """The unfinished run of ``inv`` that a repair would resume (read-only), or None."""
    with read_only_transaction(conn):
        row = conn.execute("SELECT pg_catalog.to_regclass('pgwarden.repair_runs') IS NOT NULL").fetchone()
        if row and row[0]:
            found = conn.execute(query("resume"), {"invariant": inv.name}).fetchone()
            if found and found[1] == inv.check_hash:
                return {
                    "run_id": found[0],
                    "status": found[2],
                    "last_key": found[4],
                    "rows_seen": found[6],
                }
    return None


def _lock_key(inv: Invariant) -> sql.Composable:
    return sql.SQL("pg_catalog.hashtext('pgwarden.repair'), pg_catalog.hashtext({})").format(
        sql.Literal(inv.name)
    )


def claim(conn: psycopg.Connection[Any], inv: Invariant, url: str, wait: float) -> None:
    # A repair killed a moment ago may still hold the lock until its server process notices.
    deadline = time.monotonic() + wait
    while True:
        row = conn.execute(
            sql.SQL("SELECT pg_catalog.pg_try_advisory_lock({})").format(_lock_key(inv))
        ).fetchone()
        if (row and row[0]) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if not (row and row[0]):
        raise RepairBusy(
            f"Another session is repairing invariant {inv.name} on {describe(url)} right now; "
            "wait for it to finish (or stop it), then run again: the repair resumes where it stopped."
        )
    ensure_table(conn)


def ensure_table(conn: psycopg.Connection[Any]) -> None:
    """``pgwarden.repair_runs`` where no guardian created it (it comes with the runtime's tables).

    No DDL when it exists (a role without CREATE may repair then); otherwise created under the
    lock every creation of pgwarden's tables takes, so concurrent first runs do not race.
    """
    row = conn.execute("SELECT pg_catalog.to_regclass('pgwarden.repair_runs') IS NOT NULL").fetchone()
    if row and row[0]:
        return
    with conn.transaction():
        conn.execute("SELECT pg_catalog.pg_advisory_xact_lock(%s, %s)", SCHEMA_LOCK)
        row = conn.execute("SELECT pg_catalog.to_regnamespace('pgwarden') IS NOT NULL").fetchone()
        if not (row and row[0]):
            conn.execute("CREATE SCHEMA IF NOT EXISTS pgwarden")
        conn.execute(query("repair_runs").encode("utf-8"))


def start_run(conn: psycopg.Connection[Any], inv: Invariant, key: str) -> tuple[int, str | None, int]:
    """Resume the newest unfinished run of ``inv`` with the same statements, or start a new one."""
    with conn.transaction():
        found = conn.execute(query("resume"), {"invariant": inv.name}).fetchone()
        if found is not None:
            run_id, check_hash, _, key_column, last_key, batches = found[:6]
            if check_hash == inv.check_hash and key_column == key:
                conn.execute(
                    "UPDATE pgwarden.repair_runs SET status = 'running', error = NULL, updated_at = now() "
                    "WHERE id = %s",
                    (run_id,),
                )
                return int(run_id), last_key, int(batches)
            conn.execute(
                "UPDATE pgwarden.repair_runs SET status = 'abandoned', finished_at = now(), "
                "error = 'the check or repair changed; a new run started' WHERE id = %s",
                (run_id,),
            )
        row = conn.execute(
            "INSERT INTO pgwarden.repair_runs (invariant, check_hash, key_column, actor) "
            "VALUES (%s, %s, %s, %s::jsonb) RETURNING id",
            (inv.name, inv.check_hash, key, orjson.dumps(actor()).decode()),
        ).fetchone()
        assert row is not None
        return int(row[0]), None, 0


def finish_run(conn: psycopg.Connection[Any], run_id: int, status: str, error: str | None = None) -> None:
    if conn.closed or conn.broken:
        return
    with conn.transaction():
        conn.execute(
            "UPDATE pgwarden.repair_runs SET status = %s, error = %s, updated_at = now(), "
            "finished_at = CASE WHEN %s IN ('done', 'failed') THEN now() END WHERE id = %s",
            (status, error, status, run_id),
        )
