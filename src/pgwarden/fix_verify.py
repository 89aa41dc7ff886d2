"""Fixes tried before they are offered: run on a scratch copy of the live schema, then compared again.

A fix SQL is a promise that running it makes its finding go away and breaks nothing on the way.
Here the promise is checked where it costs nothing: the live schema (read, never written) is
rebuilt on a scratch database with pgwarden's own DDL, the comparison is made there (the
"before"), every offered fix runs there in turn (one that fails runs again after the others, as
long as a round clears one: a table's fix may name a table created by a later fix), and the
comparison is made again. A fix whose finding was there before and is gone after is marked
verified; one that fails, or leaves its finding behind, is withdrawn from ``fix_sql`` (kept in the
evidence with the reason), so what ``check`` offers is what worked. The copy has the schema and no
rows: a data guard (PW106's narrowing check, a NOT NULL on rows holding NULL) still decides on the
live database.

The verdicts depend only on the live schema, the expected schemas, the fixes, this pgwarden and
the scratch server, so they are kept under a key made of those (``schema_cache``'s folder rules,
``cache_dir()/fixes``): a repeated ``check`` on unchanged drift starts no scratch database and
prints the same bytes. ``check`` with nothing to fix never gets here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from .catalog import Schema, inspect, serialize
from .contract import Expected, schema_cache
from .db import connect
from .diff import diff, plan
from .diff.live_fix import statements
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
    """Run ``text`` statement by statement, as psql runs a script (a fix builds indexes CONCURRENTLY
    outside its transaction); the first error's first line if one fails, and the rest is not run."""
    try:
        for statement in statements(text):
            conn.execute(statement)  # type: ignore[arg-type]  # fix SQL is text pgwarden composed itself
    except psycopg.Error as exc:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")  # a fix with its own BEGIN left the session in an aborted block
        return _first_line(exc)
    return None


@dataclass(frozen=True)
class _Verdicts:
    """What the scratch copy showed: the findings before and after the fixes ran, and each failure."""

    before: set[_Key]
    after: set[_Key]
    failed: dict[_Key, str]


def verify_fixes(
    findings: Sequence[Finding],
    live: Schema,
    compare: Compare,
    scratch: Callable[[], Scratch],
    *,
    sources: Sequence[Expected] = (),
) -> list[Finding]:
    """``findings`` with every ``fix_sql`` tried on a scratch copy of ``live``: verified, or withdrawn.

    ``sources`` are what ``compare`` compares with: with them the verdicts are cached (see above)."""
    offered = [f for f in findings if f.fix_sql and _for_live(f)]
    if not offered:
        return list(findings)
    # Grants and owners name roles the scratch server does not have: the copy leaves them out.
    copy = replace(live, grants=(), owners=(), privileges_read=False)
    entry = _cache_key(copy, offered, sources, scratch)
    verdicts = _cached(entry) if entry else None
    if verdicts is None:
        verdicts = _tried(copy, offered, compare, scratch)
        if entry:
            schema_cache.write_doc(
                "fixes",
                entry,
                {
                    "format": _FORMAT,
                    "before": sorted(verdicts.before),
                    "after": sorted(verdicts.after),
                    "failed": sorted([*k, why] for k, why in verdicts.failed.items()),
                },
            )
    return [_judged(f, verdicts) for f in findings]


_FORMAT = "pgwarden-fix-verdicts-1"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _cache_key(
    copy: Schema, offered: Sequence[Finding], sources: Sequence[Expected], scratch: Callable[[], Scratch]
) -> str | None:
    """The verdicts' key, or ``None`` (nothing cached) without sources or a known scratch server."""
    server = schema_cache.server_of(scratch)
    if not sources or server is None or not schema_cache.enabled():
        return None
    inputs = {
        "live": _digest(serialize.dumps(copy)),
        "sources": [
            [s.kind, _digest(serialize.dumps(s.schema)), sorted(s.attributes.items()), sorted(s.covers)]
            for s in sources
        ],
        "fixes": [[f.code, f.object, f.fix_sql] for f in offered],
    }
    return schema_cache.key("fixes", server, inputs)


def _cached(entry: str) -> _Verdicts | None:
    doc = schema_cache.read_doc("fixes", entry)
    try:
        if doc is None or doc["format"] != _FORMAT:
            return None
        return _Verdicts(
            before={(a, b) for a, b in doc["before"]},
            after={(a, b) for a, b in doc["after"]},
            failed={(a, b): why for a, b, why in doc["failed"]},
        )
    except (KeyError, TypeError, ValueError):
        return None  # damaged: verify afresh


def _tried(
    copy: Schema, offered: Sequence[Finding], compare: Compare, scratch: Callable[[], Scratch]
) -> _Verdicts:
    """Build ``copy`` on a scratch database, run every offered fix there, compare before and after."""
    server = scratch()
    url = server.create_database("fixes")
    failed: dict[_Key, str] = {}
    try:
        with connect(url, autocommit=True, what="scratch database") as conn:
            for statement in plan(diff(copy, Schema())):
                _run(conn, statement.sql)
            before = {_key(f) for f in compare(inspect(conn))}
            # In the report's order, then again for those that failed while a round clears one:
            # a table's fix may name a table whose own fix comes later (a database that lost both).
            todo = [f for f in offered if _key(f) in before]
            while todo:
                failed = {}
                for finding in todo:
                    error = _run(conn, finding.fix_sql or "")
                    if error is not None:
                        failed[_key(finding)] = error
                if len(failed) == len(todo):
                    break
                todo = [f for f in todo if _key(f) in failed]
            after = {_key(f) for f in compare(inspect(conn))}
    finally:
        server.drop_database(url)
    return _Verdicts(before, after, failed)


def _for_live(finding: Finding) -> bool:
    """Whether the fix SQL is meant for the live database; a models-vs-migrations finding's is the
    body of a migration to write, which the live copy says nothing about."""
    return finding.evidence.get("where") != "models_vs_migrations"


def _judged(finding: Finding, verdicts: _Verdicts) -> Finding:
    if not finding.fix_sql or not _for_live(finding):
        return finding
    key = _key(finding)
    if key not in verdicts.before:
        # The copy did not show it (an extension or a role the scratch server lacks): not judged.
        return replace(finding, evidence={**finding.evidence, "fix_verified": None})
    why = verdicts.failed.get(key)
    if why is None and key not in verdicts.after:
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
