"""Running invariants: each in its own READ ONLY transaction with its own statement_timeout."""

from __future__ import annotations

import datetime as dt
import decimal
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from .. import codes
from ..db import read_only_reading
from ..errors import DatabaseUnreachable
from ..findings import Finding, Severity
from ..privileges import grant_for, hidden_relation_grant, ident
from .invariants import Invariant

__all__ = ["Outcome", "finding", "jsonable", "run_all", "run_one", "summary"]

_TOTAL = "__pgwarden_total"


@dataclass
class Outcome:
    """What running one invariant found: a count, a sample, or why it could not run."""

    invariant: Invariant
    count: int = 0
    population: int | None = None
    key: str | None = None
    """The name of the check's first column: the key repair batches follow."""
    sample: list[dict[str, Any]] = field(default_factory=list)
    lag: dict[str, float | int | None] | None = None
    error: str | None = None
    sqlstate: str | None = None
    timed_out: bool = False
    seconds: float = 0.0
    grant: str | None = None
    """The GRANT the checking role lacks, when the query was refused for want of a privilege."""

    @property
    def severity(self) -> Severity | None:
        if self.error is not None:
            return codes.for_kind("invariant_timeout" if self.timed_out else "invariant_failed").severity
        return self.invariant.judge(self.count, self.population)


def jsonable(value: Any) -> Any:
    """A sample value as JSON can carry it (uuid, timestamps, decimals as text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (uuid.UUID, dt.date, dt.time, dt.datetime, dt.timedelta, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    return str(value)


def wrap(query: str) -> sql.Composed:
    """``query`` as a subquery; the newline keeps a trailing ``-- comment`` from eating the ``)``."""
    return sql.SQL("({}\n)").format(sql.SQL(query))


_TIMEOUT = "SELECT pg_catalog.set_config('statement_timeout', %s, true)"


def run_one(conn: psycopg.Connection[Any], inv: Invariant) -> Outcome:
    """Run ``inv`` on ``conn`` (autocommit): read-only, rolled back, never raising for a bad query."""
    outcome = Outcome(inv)
    started = time.monotonic()
    stage = "check"
    try:
        query = sql.SQL("SELECT q.*, count(*) OVER () AS {total} FROM {check} AS q LIMIT {n}").format(
            total=sql.Identifier(_TOTAL), check=wrap(inv.check), n=sql.Literal(max(inv.sample, 1))
        )
        # The transaction, the timeout and the query in one round trip (a remote database's latency
        # each), its end too when no other query of the invariant follows.
        only = not (inv.population or inv.lag)
        with read_only_reading(conn, [(_TIMEOUT, (inv.timeout,)), query], only=only) as (_, cur):
            rows = cur.fetchall()
            names = [c.name for c in cur.description or ()][:-1]
            outcome.key = names[0] if names else None
            outcome.count = int(rows[0][-1]) if rows else 0
            outcome.sample = [
                {n: jsonable(v) for n, v in zip(names, row[:-1], strict=True)} for row in rows[: inv.sample]
            ]
            if inv.population:
                stage = "population"
                row = conn.execute(sql.SQL("SELECT ({}) AS n").format(wrap(inv.population))).fetchone()
                value = row[0] if row else None
                outcome.population = int(value) if value is not None else 0
            if inv.lag:
                stage = "lag"
                outcome.lag = _lag(conn, inv.lag)
    except (pg_errors.QueryCanceled, pg_errors.LockNotAvailable) as exc:
        outcome.error, outcome.sqlstate, outcome.timed_out = _first_line(exc), exc.sqlstate, True
        outcome.error = f"{stage} query: {outcome.error}"
    except psycopg.OperationalError as exc:
        if conn.closed or conn.broken:
            raise DatabaseUnreachable(
                f"The connection broke while running invariant {inv.name!r} ({_first_line(exc)}); "
                "check that the server is up and run again."
            ) from None
        outcome.error, outcome.sqlstate = f"{stage} query: {_first_line(exc)}", exc.sqlstate
    except psycopg.Error as exc:
        outcome.error, outcome.sqlstate = f"{stage} query: {_first_line(exc)}", exc.sqlstate
        outcome.grant = _missing_grant(conn, exc)
    outcome.seconds = time.monotonic() - started
    return outcome


def _missing_grant(conn: psycopg.Connection[Any], exc: psycopg.Error) -> str | None:
    """The GRANT behind a refused query (also behind "relation does not exist" from a hidden schema)."""
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return grant_for(_first_line(exc), ident(conn.info.user))
    if isinstance(exc, pg_errors.UndefinedTable) and not conn.broken:
        try:
            return hidden_relation_grant(conn, _first_line(exc))
        except psycopg.Error:
            return None
    return None


def _lag(conn: psycopg.Connection[Any], query: str) -> dict[str, float | int | None]:
    row = conn.execute(
        sql.SQL(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l.seconds), "
            "percentile_cont(0.95) WITHIN GROUP (ORDER BY l.seconds), max(l.seconds), count(l.seconds) "
            "FROM {lag} AS l"
        ).format(lag=wrap(query))
    ).fetchone()
    if row is None:
        return {"p50_seconds": None, "p95_seconds": None, "max_seconds": None, "rows": 0}
    p50, p95, worst, n = row
    return {
        "p50_seconds": _round(p50),
        "p95_seconds": _round(p95),
        "max_seconds": _round(worst),
        "rows": int(n),
    }


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _first_line(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary:
        return str(primary).rstrip(".")
    lines = str(exc).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _thresholds(inv: Invariant) -> dict[str, str]:
    if inv.warn_if is None and inv.error_if is None:
        return {f"{inv.severity.value}_if": "> 0"}
    found = {"warn_if": inv.warn_if, "error_if": inv.error_if}
    return {k: t.text for k, t in found.items() if t is not None}


def summary(outcome: Outcome) -> dict[str, Any]:
    """One line of ``check``'s JSON per invariant, clean or not: count, time, lag percentiles."""
    return {
        "name": outcome.invariant.name,
        "count": outcome.count if outcome.error is None else None,
        "population": outcome.population,
        "error": outcome.error,
        "seconds": round(outcome.seconds, 3),
        "lag": outcome.lag,
    }


def run_all(conn: psycopg.Connection[Any], invariants: Sequence[Invariant]) -> list[Outcome]:
    """Every invariant, one after the other, each in its own read-only transaction."""
    return [run_one(conn, inv) for inv in invariants]


def finding(outcome: Outcome) -> Finding | None:
    """The finding ``outcome`` earns, ``None`` when the invariant holds (within its thresholds)."""
    inv = outcome.invariant
    obj = inv.target or inv.name
    base: dict[str, Any] = {"invariant": inv.name, "origin": inv.origin, "kind": inv.kind}
    if outcome.error is not None:
        kind = "invariant_timeout" if outcome.timed_out else "invariant_failed"
        code = codes.for_kind(kind)
        if outcome.timed_out:
            message = f"Invariant {inv.name} did not finish within its timeout of {inv.timeout}, so it was not checked."
            hint = (
                f"Give it more time (`timeout` in {inv.origin}), or make the query cheaper "
                "(an index on the columns it joins and filters on)."
            )
        else:
            message = f"Invariant {inv.name} could not run: {outcome.error}."
            hint = f"Fix the query in {inv.origin} (run it in psql to see the whole error); the other invariants ran."
            if outcome.grant:
                message = (
                    f"Invariant {inv.name} was not checked: the checking role lacks a privilege "
                    f"({outcome.error})."
                )
                hint = f"Run {outcome.grant}; or check as a role that may read the tables. The other invariants ran."
        return Finding(
            code=code.code,
            kind=inv.name,
            # not checked for want of a grant: said, like every other part check skips, not an error
            severity=Severity.WARNING if outcome.grant else code.severity,
            object=obj,
            message=message,
            hint=hint,
            source="invariant",
            evidence={
                **base,
                "error": outcome.error,
                "sqlstate": outcome.sqlstate,
                "timeout": inv.timeout,
                "grant": outcome.grant,
            },
        )
    severity = outcome.severity
    if severity is None:
        return None
    count, pop = outcome.count, outcome.population
    share = f" ({100.0 * count / pop:.3g}% of {pop:,})" if pop else ""
    noun = "row breaks" if count == 1 else "rows break"
    what = inv.description or inv.name
    message = f"{count:,} {noun} invariant {inv.name}{share}: {what[0].lower()}{what[1:]}"
    message = message if message.endswith(".") else message + "."
    if inv.repair:
        hint = (
            f"`pgwarden repair {inv.name}` shows the rows and the repair; add --apply to run it in batches."
        )
    else:
        hint = inv.hint or (
            f"Fix the rows shown in the evidence (key column {outcome.key}); to let pgwarden do it, "
            f"add a `repair` query to the invariant in {inv.origin}."
        )
    if inv.repair and inv.hint:
        hint = f"{inv.hint} {hint}"
    evidence = {
        **base,
        "count": count,
        "population": pop,
        "percent": round(100.0 * count / pop, 3) if pop else None,
        "threshold": _thresholds(inv),
        "key": outcome.key,
        "sample": outcome.sample,
        "description": inv.description or None,
        "repairable": inv.repair is not None,
    }
    if outcome.lag is not None:
        evidence["lag"] = outcome.lag
    return Finding(
        code=codes.for_kind("invariant_violated").code,
        kind=inv.name,
        severity=severity,
        object=obj,
        message=message,
        hint=hint,
        source="invariant",
        evidence=evidence,
    )
