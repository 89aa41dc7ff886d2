"""Fixes tried before they are offered: run on a scratch copy of the live schema, then compared again.

A fix SQL is a promise that running it makes its finding go away and breaks nothing on the way.
Here the promise is checked where it costs nothing: the live schema (read, never written) is
rebuilt on a scratch database with pgwarden's own DDL, the comparison is made there (the
"before"), every offered fix runs there in turn, and the comparison is made again. A fix whose
finding was there before and is gone after is marked verified; one that fails, or leaves its
finding behind, is withdrawn from ``fix_sql`` (kept in the evidence with the reason), so what
``check`` offers is what worked. The copy has the schema and no rows: a data guard (PW106's
narrowing check, a NOT NULL on rows holding NULL) still decides on the live database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import psycopg

from .catalog import Schema, inspect
from .db import connect
from .diff import diff, plan
from .findings import Finding
from .scratch import Scratch

__all__ = ["verify_fixes"]

Compare = Callable[[Schema], Sequence[Finding]]
"""The same comparison ``check`` made, against another "live" schema."""

_Key = tuple[str, str]


def _key(finding: Finding) -> _Key:
    return (finding.code, finding.object)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _run(conn: psycopg.Connection[Any], text: str) -> str | None:
    """Run ``text`` (autocommit, one implicit transaction); the error's first line if it fails."""
    try:
        conn.execute(text)  # type: ignore[arg-type]  # fix SQL is text pgwarden composed itself
    except psycopg.Error as exc:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")  # a fix with its own BEGIN left the session in an aborted block
        return _first_line(exc)
    return None


def verify_fixes(
    findings: Sequence[Finding], live: Schema, compare: Compare, scratch: Callable[[], Scratch]
) -> list[Finding]:
    """``findings`` with every ``fix_sql`` tried on a scratch copy of ``live``: verified, or withdrawn."""
    offered = [f for f in findings if f.fix_sql]
    if not offered:
        return list(findings)
    # Grants and owners name roles the scratch server does not have: the copy leaves them out.
    copy = replace(live, grants=(), owners=(), privileges_read=False)
    server = scratch()
    url = server.create_database("fixes")
    failed: dict[_Key, str] = {}
    try:
        with connect(url, autocommit=True, what="scratch database") as conn:
            for statement in plan(diff(copy, Schema())):
                _run(conn, statement.sql)
            before = {_key(f) for f in compare(inspect(conn))}
            for finding in offered:
                if _key(finding) in before:
                    error = _run(conn, finding.fix_sql or "")
                    if error is not None:
                        failed[_key(finding)] = error
            after = {_key(f) for f in compare(inspect(conn))}
    finally:
        server.drop_database(url)
    return [_judged(f, before, after, failed) for f in findings]


def _judged(finding: Finding, before: set[_Key], after: set[_Key], failed: dict[_Key, str]) -> Finding:
    if not finding.fix_sql:
        return finding
    key = _key(finding)
    if key not in before:
        # The copy did not show it (an extension or a role the scratch server lacks): not judged.
        return replace(finding, evidence={**finding.evidence, "fix_verified": None})
    why = failed.get(key)
    if why is None and key not in after:
        return replace(finding, evidence={**finding.evidence, "fix_verified": True})
    reason = f"it failed there: {why}" if why else "the finding was still there after it ran"
    return replace(
        finding,
        fix_sql=None,
        hint=f"{finding.hint} (The fix SQL was tried on a scratch copy of the live schema and {reason}; it is "
        "not offered: evidence.unverified_fix_sql holds it.)".strip(),
        evidence={
            **finding.evidence,
            "fix_verified": False,
            "unverified_fix_sql": finding.fix_sql,
            "verify_error": reason,
        },
    )
