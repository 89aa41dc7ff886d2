"""Hints in Alembic's terms for findings on revisions: ``op.execute("SET LOCAL …")``, not ``-- pgwarden:`` markers.

A rule's help speaks to SQL migration files (a leading ``-- pgwarden: lock-timeout=5s``,
a file marked ``no-transaction``); an Alembic revision is Python run one transaction per
revision, so the same advice is given as the ``op`` calls or pgwarden options that do it there.
"""

from __future__ import annotations

__all__ = ["alembic_hint"]

_AUTOCOMMIT = "inside `with op.get_context().autocommit_block():` (Alembic commits the revision's transaction around it)"

_HINTS = {
    "missing-lock-timeout": (
        "Begin upgrade() with `op.execute(\"SET LOCAL lock_timeout = '5s'\")` (each revision runs in its own "
        "transaction), or apply it with `pgwarden migrate up`, which sets `[migrate] lock_timeout` (default 5s) "
        "on its direct connection (not through a transaction pooler); retry the migration when it times out."
    ),
    "missing-statement-timeout": (
        "Begin upgrade() with `op.execute(\"SET LOCAL statement_timeout = '1min'\")`, or apply it with "
        "`pgwarden migrate up`, which sets `[migrate] statement_timeout` (default 10min) on its direct connection."
    ),
    "index-without-concurrently": (
        f"Use `op.create_index(..., postgresql_concurrently=True, if_not_exists=True)` {_AUTOCOMMIT}; an index "
        "on a table created in the same revision needs neither."
    ),
    "drop-index-without-concurrently": (
        f"Use `op.drop_index(..., postgresql_concurrently=True, if_exists=True)` {_AUTOCOMMIT}."
    ),
    "concurrently-in-transaction": f"Run the statement {_AUTOCOMMIT}.",
    "non-robust-statement": (
        "Make it safe to run again: `op.create_index(..., if_not_exists=True)` / `op.drop_index(..., "
        "if_exists=True)` (Alembic 1.12+), or `IF NOT EXISTS` in the `op.execute` text."
    ),
    "reindex-without-concurrently": f'Use `op.execute("REINDEX TABLE CONCURRENTLY …")` {_AUTOCOMMIT}.',
    "detach-partition-without-concurrently": (
        f'Use `op.execute("ALTER TABLE … DETACH PARTITION … CONCURRENTLY")` (PostgreSQL 14+) {_AUTOCOMMIT}.'
    ),
    "nested-transaction": (
        "Remove BEGIN/COMMIT from `op.execute` (Alembic runs each revision in a transaction); for a statement "
        f"that cannot run in one, run it {_AUTOCOMMIT}."
    ),
}

# The destructive marker, as a SQL file and as a revision carry it.
_MARKER = (
    (
        "at the top of the file with `-- pgwarden: destructive -- <why>`",
        "in the revision with `# pgwarden: destructive -- <why>`",
    ),
    ("`-- pgwarden: destructive -- <why>`", "`# pgwarden: destructive -- <why>`"),
    ("refuses a file that", "refuses a revision that"),
)


def alembic_hint(rule: str, hint: str) -> str:
    """``hint`` (a rule's help for SQL files) said for an Alembic revision."""
    found = _HINTS.get(rule)
    if found is not None:
        return found
    for sql_file, revision in _MARKER:
        hint = hint.replace(sql_file, revision)
    return hint
