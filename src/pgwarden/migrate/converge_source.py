"""``migrate test`` for any migration source: the whole chain on an empty database and on each legacy schema.

SQL folders get the file-by-file test of :mod:`.converge` (with missing-column fixes and
rerunnable files); this one needs only the seam's ``build``, so it serves Alembic chains:
the chain must run on every start and build the same schema (and the models' when given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..catalog import Schema, inspect
from ..db import connect
from ..errors import MigrationError
from ..scratch import Scratch
from .consistency import finding
from .converge import Outcome, _divergence
from .legacy import Legacy, restore
from .sources import MigrationSource

__all__ = ["converge_source"]


def converge_source(
    source: MigrationSource,
    scratch: Scratch,
    *,
    legacy: Sequence[Legacy] = (),
    models: Schema | None = None,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Outcome:
    """Findings only, never an exception for a failing migration."""
    outcome = Outcome()
    table = getattr(source, "table", None)  # an Alembic chain's version table (env.py may rename it)
    ledgers = ("*.alembic_version", *table.patterns) if table is not None else ("*.alembic_version",)
    scope = {"schemas": schemas, "ignore": (*ignore, *ledgers)}
    baseline = _run(source, scratch, None, scope, outcome)
    if baseline is None:
        return outcome
    if models is not None:
        outcome.findings.extend(_divergence(models, baseline, "the models", "empty database"))
    for start in legacy:
        result = _run(source, scratch, start, scope, outcome)
        if result is not None:
            outcome.findings.extend(
                _divergence(baseline, result, "an empty database", f"legacy schema {start.label}")
            )
    return outcome


def _run(
    source: MigrationSource,
    scratch: Scratch,
    start: Legacy | None,
    scope: dict[str, Any],
    outcome: Outcome,
) -> Schema | None:
    where = "an empty database" if start is None else f"legacy schema {start.label}"
    url = scratch.create_database("converge")
    try:
        if start is not None:
            with connect(url, autocommit=True, what="scratch database") as conn:
                restore(conn, start)
        try:
            source.build(url)
        except MigrationError as exc:
            outcome.runs.append({"start": "empty" if start is None else start.label, "ok": False})
            outcome.findings.append(
                finding(
                    "legacy_migration_failure",
                    f"{exc.path}:{exc.line or 1}:{exc.column or 1}",
                    f"The chain fails on {where}: {str(exc).split(': ', 1)[-1].rstrip('.')}.",
                    f"Make the migration work on {where}: guard the operation, or bring the older objects up "
                    "to date before it. Then run `pgwarden migrate test` again.",
                    start=where,
                    sqlstate=exc.sqlstate,
                )
            )
            return None
        outcome.runs.append({"start": "empty" if start is None else start.label, "ok": True})
        with connect(url, autocommit=True, what="scratch database") as conn:
            return inspect(conn, **scope)
    finally:
        scratch.drop_database(url)
