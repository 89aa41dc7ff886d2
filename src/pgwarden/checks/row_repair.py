"""Repair: fix an invariant's violating rows in short keyset batches, resumable and idempotent.

Each batch is one transaction with ``lock_timeout``: the next ``batch_size`` violations after
the checkpoint (ordered by the check's first column) are copied into the temp table
``violations``, the invariant's ``repair`` runs against it, and the checkpoint in
``pgwarden.repair_runs`` moves past them, all committed together. A repair killed at
any moment therefore resumes exactly after the last committed batch. Violations are
never loaded into Python; only the batch's first and last key are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from ..db import connect
from ..errors import UsageError
from ..urls import describe
from .errors import RepairFailed
from .invariants import DURATION, Invariant
from .repair_runs import claim, find_resumable, finish_run, query, start_run
from .run import Outcome, run_one, wrap

__all__ = ["Options", "Plan", "Progress", "RepairResult", "plan", "repair"]

_RETRYABLE = (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


@dataclass(frozen=True)
class Options:
    batch_size: int = 1000
    max_rows: int | None = None
    """Stop (resumably) after this many violations were handled."""
    throttle: float = 0.0
    """Seconds to sleep between batches, to leave the server to the service."""
    lock_timeout: str = "2s"
    statement_timeout: str = "60s"
    lock_wait: float = 10.0
    """Seconds to wait for another repair of the same invariant (one killed a moment ago) to let go."""
    retries: int = 5
    """Extra attempts of a batch that hit lock_timeout or a deadlock, with doubling backoff."""


@dataclass(frozen=True)
class Progress:
    invariant: str
    batch: int
    rows_seen: int
    rows_changed: int
    total: int
    """Violations counted at the start (the ETA's denominator); rows written meanwhile are extra."""
    elapsed: float

    @property
    def rate(self) -> float:
        return self.rows_seen / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if self.rate <= 0:
            return None
        return max(self.total - self.rows_seen, 0) / self.rate


@dataclass
class Plan:
    """What a repair would do (the dry run): how many rows, a sample, and the statements."""

    invariant: Invariant
    before: Outcome
    statements: list[str]
    resumable: dict[str, Any] | None = None


@dataclass
class RepairResult:
    invariant: Invariant
    run_id: int
    status: str
    """``done`` (walked every violation), or ``stopped`` (``max_rows`` reached; run again to go on)."""
    batches: int = 0
    keys: int = 0
    """Pending keys walked (violations found when the run started or resumed)."""
    rows_seen: int = 0
    """Violations still present when their batch ran (rows fixed meanwhile drop out)."""
    rows_changed: int = 0
    resumed_from: str | None = None
    seconds: float = 0.0
    """The repair itself: listing the pending keys and every batch (not the re-check)."""
    check_seconds: float = 0.0
    """The re-check at the end."""
    after: Outcome | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.rows_seen / self.seconds if self.seconds > 0 else 0.0


def _key_name(conn: psycopg.Connection[Any], inv: Invariant) -> str:
    with conn.transaction(force_rollback=True):
        cur = conn.execute(sql.SQL("SELECT * FROM {} AS q LIMIT 0").format(wrap(inv.check)))
        names = [c.name for c in cur.description or ()]
    if not names:
        raise RepairFailed(
            f"The check of invariant {inv.name} ({inv.origin}) returns no columns to batch by."
        )
    return names[0]


def fill_statement(inv: Invariant, key: str, keys: str) -> sql.Composed:
    """Copy the violations whose key is in ``keys`` (an array literal) into ``violations``.

    The check runs again for just these keys, so rows fixed meanwhile (by the service, or
    by an earlier run) are not repaired twice, and the planner sees a restriction it can
    serve from an index instead of joining whole tables.
    """
    return sql.SQL("INSERT INTO violations SELECT q.* FROM {check} AS q WHERE q.{k} = ANY({keys})").format(
        check=wrap(inv.check), k=sql.Identifier(key), keys=sql.Literal(keys)
    )


def pending_statement(inv: Invariant, key: str, last_key: str | None) -> sql.Composed:
    """The keys of every violation after the checkpoint, in a temp table: the list the batches walk."""
    k = sql.Identifier(key)
    after = sql.SQL("") if last_key is None else sql.SQL(" AND q.{} > {}").format(k, sql.Literal(last_key))
    return sql.SQL(
        "CREATE TEMP TABLE pgwarden_pending AS SELECT q.{k} AS key FROM {check} AS q WHERE q.{k} IS NOT NULL{after}"
    ).format(k=k, check=wrap(inv.check), after=after)


def plan(url: str, inv: Invariant, *, timeout: float = 5.0, batch_size: int = 1000) -> Plan:
    """The dry run: count and sample (read-only), the statements a batch runs, a run it would resume."""
    conn = connect(url, timeout=timeout, autocommit=True, application_name="pgwarden-repair")
    try:
        before = run_one(conn, inv)
        resumable = find_resumable(conn, inv)
    finally:
        conn.close()
    key = before.key or "<first column>"
    statements = [
        "-- once: "
        + pending_statement(inv, key, resumable["last_key"] if resumable else None).as_string(None),
        f"BEGIN;  -- per batch of {batch_size} keys, with lock_timeout",
        fill_statement(inv, key, "<the batch's keys>").as_string(None) + ";",
        (inv.repair or "-- no repair query") + ";",
        "-- move the checkpoint in pgwarden.repair_runs past the batch's last key;",
        "COMMIT;",
    ]
    return Plan(inv, before, statements, resumable)


def _prepare_pending(conn: psycopg.Connection[Any], inv: Invariant, key: str, last_key: str | None) -> int:
    """Build the pending-keys table (one run of the check); return how many keys it holds."""
    conn.execute("DROP TABLE IF EXISTS pg_temp.pgwarden_pending")
    conn.execute(pending_statement(inv, key, last_key))
    conn.execute("CREATE INDEX ON pg_temp.pgwarden_pending (key)")
    conn.execute("ANALYZE pg_temp.pgwarden_pending")
    row = conn.execute("SELECT count(*) FROM pg_temp.pgwarden_pending").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class _Done:
    keys: int
    seen: int
    changed: int
    first: str | None
    last: str | None


def _batch(
    conn: psycopg.Connection[Any],
    inv: Invariant,
    key: str,
    run_id: int,
    last_key: str | None,
    limit: int,
    number: int,
) -> _Done:
    """One committed batch of up to ``limit`` pending keys after ``last_key``."""
    assert inv.repair is not None
    started = time.monotonic()
    first: str | None = None
    last: str | None = None
    after = sql.SQL("") if last_key is None else sql.SQL("WHERE p.key > {} ").format(sql.Literal(last_key))
    try:
        with conn.transaction():
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), array_agg(b.key ORDER BY b.key)::text, "
                    "(array_agg(b.key::text ORDER BY b.key))[1], (array_agg(b.key::text ORDER BY b.key DESC))[1] "
                    "FROM (SELECT p.key FROM pg_temp.pgwarden_pending AS p {after}ORDER BY p.key LIMIT {n}) AS b"
                ).format(after=after, n=sql.Literal(limit))
            ).fetchone()
            assert row is not None
            keys = int(row[0])
            if keys == 0:
                return _Done(0, 0, 0, None, None)
            first, last = row[2], row[3]
            seen = conn.execute(fill_statement(inv, key, row[1])).rowcount
            changed = conn.execute(inv.repair.encode("utf-8")).rowcount if seen > 0 else 0
            conn.execute(
                query("record_batch"),
                {
                    "run_id": run_id,
                    "first_key": first,
                    "last_key": last,
                    "rows_seen": seen,
                    "rows_changed": max(changed, 0),
                    "duration_ms": round((time.monotonic() - started) * 1000),
                },
            )
    except _RETRYABLE:
        raise
    except psycopg.OperationalError:
        raise
    except psycopg.Error as exc:
        span = f"keys {first} .. {last}" if first is not None else "before its rows were read"
        message = exc.diag.message_primary or str(exc).strip().splitlines()[0]
        detail = f" ({exc.diag.message_detail})" if exc.diag.message_detail else ""
        raise RepairFailed(
            f"Repair of invariant {inv.name} failed in batch {number} ({span}); the batch was rolled back "
            f"and earlier batches stay committed. The server said: {message}{detail}. Fix the repair "
            f"in {inv.origin} (or the data) and run again: it resumes at this batch.",
            sqlstate=exc.sqlstate,
        ) from None
    return _Done(keys, seen, max(changed, 0), first, last)


def repair(
    url: str,
    inv: Invariant,
    options: Options | None = None,
    *,
    timeout: float = 5.0,
    progress: Callable[[Progress], None] | None = None,
) -> RepairResult:
    """Repair ``inv``'s violations in batches; re-check at the end (``result.after``).

    Raises ``RepairFailed`` when a batch fails for a reason other than a lock wait (the
    run is marked failed and resumes at that batch next time) and ``RepairBusy`` when
    another session repairs the same invariant.
    """
    if inv.repair is None:
        raise RepairFailed(f"Invariant {inv.name} has no `repair` query ({inv.origin}); nothing to run.")
    opts = options or Options()
    for what, value in (("lock_timeout", opts.lock_timeout), ("statement_timeout", opts.statement_timeout)):
        if not DURATION.fullmatch(value.strip()):
            raise UsageError(
                f"--{what.replace('_', '-')} {value!r} is not a duration such as '2s' or '500ms'."
            )
    conn = connect(url, timeout=timeout, autocommit=True, application_name="pgwarden-repair")
    started = time.monotonic()
    try:
        claim(conn, inv, url, opts.lock_wait)
        try:
            conn.execute("SELECT pg_catalog.set_config('lock_timeout', %s, false)", (opts.lock_timeout,))
            conn.execute(
                "SELECT pg_catalog.set_config('statement_timeout', %s, false)", (opts.statement_timeout,)
            )
            key = _key_name(conn, inv)
            conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE IF NOT EXISTS violations ON COMMIT DELETE ROWS "
                    "AS SELECT q.* FROM {} AS q WITH NO DATA"
                ).format(wrap(inv.check))
            )
            run_id, last_key, batches = start_run(conn, inv, key)
            total = _prepare_pending(conn, inv, key, last_key)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            raise RepairFailed(
                f"Cannot prepare the repair of invariant {inv.name} ({inv.origin}): the server said "
                f"{exc.diag.message_primary or exc}. Fix the check query and run again.",
                sqlstate=exc.sqlstate,
            ) from None
        result = RepairResult(inv, run_id, "running", resumed_from=last_key)
        try:
            while True:
                limit = opts.batch_size
                if opts.max_rows is not None:
                    limit = min(limit, opts.max_rows - result.keys)
                    if limit <= 0:
                        result.status = "stopped"
                        break
                done = _with_retries(
                    partial(_batch, conn, inv, key, run_id, last_key, limit, batches + 1), inv, opts
                )
                if done.keys == 0:
                    result.status = "done"
                    break
                batches += 1
                result.batches += 1
                result.keys += done.keys
                result.rows_seen += done.seen
                result.rows_changed += done.changed
                last_key = done.last
                result.audit.append(
                    {
                        "batch": batches,
                        "first_key": done.first,
                        "last_key": done.last,
                        "rows": done.seen,
                        "changed": done.changed,
                    }
                )
                if progress is not None:
                    elapsed = time.monotonic() - started
                    progress(Progress(inv.name, batches, result.keys, result.rows_changed, total, elapsed))
                if done.keys < limit:
                    stopped = opts.max_rows is not None and result.keys >= opts.max_rows
                    result.status = "stopped" if stopped else "done"
                    break
                if opts.throttle > 0:
                    time.sleep(opts.throttle)
        except RepairFailed as exc:
            finish_run(conn, run_id, "failed", str(exc))
            raise
        except BaseException:
            finish_run(conn, run_id, "stopped", "interrupted")
            raise
        finish_run(conn, run_id, result.status)
        result.seconds = time.monotonic() - started
        result.after = run_one(conn, inv)
        result.check_seconds = result.after.seconds
    except psycopg.OperationalError as exc:
        raise RepairFailed(
            f"The connection to {describe(url)} broke while repairing invariant {inv.name} "
            f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); "
            "committed batches stay, and running again resumes after the last one.",
            sqlstate=exc.sqlstate,
        ) from None
    finally:
        conn.close()
    return result


def _with_retries(attempt: Callable[[], _Done], inv: Invariant, opts: Options) -> _Done:
    delay = 0.1
    for tries in range(opts.retries + 1):
        try:
            return attempt()
        except _RETRYABLE as exc:
            if tries == opts.retries:
                raise RepairFailed(
                    f"Repair of invariant {inv.name} could not get its locks within lock_timeout "
                    f"{opts.lock_timeout} in {opts.retries + 1} attempts ({exc.diag.message_primary}); "
                    "something holds long locks on the tables it writes. Run again later, or raise "
                    "--lock-timeout; it resumes where it stopped.",
                    sqlstate=exc.sqlstate,
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")
