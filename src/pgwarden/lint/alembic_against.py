"""Lint Alembic revisions against a live database: only those after its revision, on a copy of its schema.

The live database is only read: its ``alembic_version``, its tables with their row
estimates (so size-aware rules know a big table) and its server version (so advice fits
it). Its schema is then created on a scratch database stamped at the live revision, and the
pending revisions run there through Alembic: a revision PostgreSQL rejects on that schema
(a column a legacy table lacks, incident 004) is a ``server-error`` at the ``op.*`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..db import connect, read_only
from ..errors import MigrationError, SourceError
from ..findings import Finding, Severity
from ..migrate.alembic_run import run_chain, sa_connection
from ..migrate.alembic_scripts import load_chain
from ..migrate.alembic_source import ancestors, current_revisions, refuse_past, resolve_target
from ..migrate.alembic_table import VersionTable, version_table
from ..migrate.source import show_path
from ..scratch import open_scratch
from .alembic import lint_alembic
from .engine import NEWEST_POSTGRES, OLDEST_POSTGRES, Settings
from .simulate import table_facts

__all__ = ["Against", "lint_alembic_against"]

_NOTE = "PostgreSQL rejects it on a copy of the target database's schema."


@dataclass
class Against:
    current: tuple[str, ...]
    """The revisions the live database is at."""
    to: tuple[str, ...] | None = None
    """The revision ids ``to`` named (linted up to them, included); ``None``: up to the heads."""
    findings: list[Finding] = field(default_factory=list)


def lint_alembic_against(
    where: Path, settings: Settings, url: str, *, dev_url: str | None = None, to: str | None = None
) -> Against:
    """Lint and simulate the revisions the database at ``url`` has not applied yet, or only those up to
    and including ``to`` (``--to``: an id, a unique prefix, ``head`` or a branch label); ``UsageError``
    when ``to`` names no revision or one the database has gone past."""
    chain = load_chain(where)
    wanted = resolve_target(chain, where, to) if to is not None else None
    with read_only(url) as live:
        current = current_revisions(live, version_table(where))
        facts = table_facts(live, with_rows=True)
        major = live.info.server_version // 10000
    unknown = [c for c in current if chain.get(c) is None]
    if unknown:
        raise SourceError(
            f"The database is at Alembic revision {', '.join(unknown)}, which {show_path(where)} does not know "
            "(it was migrated by newer code): lint against a database this code can migrate."
        )
    done = ancestors(chain, current)
    if wanted is not None and to is not None:
        refuse_past(to, wanted, done, current)
    if major:
        settings = replace(settings, postgres_version=min(max(major, OLDEST_POSTGRES), NEWEST_POSTGRES))
    result = Against(current, wanted)
    needed = chain.applied(wanted) if wanted is not None else {r.id for r in chain.revisions}
    if not needed <= done:  # something to run: lint it, then run it on a copy of the live schema
        result.findings = lint_alembic(where, settings, start=current, tables=facts, to=wanted)
        failure = _simulate(chain, url, current, dev_url, wanted)
        if failure is not None:
            result.findings.append(failure)
    return result


def _simulate(
    chain: Any, url: str, current: tuple[str, ...], dev_url: str | None, to: tuple[str, ...] | None
) -> Finding | None:
    from ..contract import load_database
    from ..diff import compare, render

    schema = load_database(url).schema
    with open_scratch(dev_url) as scratch:
        copy = scratch.create_database("lint_alembic")
        try:
            with connect(copy, autocommit=True, what="scratch database") as conn:
                from ..catalog import inspect

                ddl = render.render_sql(compare.diff(schema, inspect(conn)), allow_destructive=True)
                if ddl.strip():
                    conn.execute(ddl.encode("utf-8"))
                _stamp(conn, current, version_table(chain.where))
            with sa_connection(copy, what="scratch database") as sa:
                run_chain(sa, chain, target=to or "heads", guarded=False, failure_note=_NOTE)
        except MigrationError as exc:
            return _server_error(exc)
        finally:
            scratch.drop_database(copy)
    return None


def _stamp(conn: psycopg.Connection[Any], current: tuple[str, ...], table: VersionTable) -> None:
    """The version table at the live revisions, so Alembic runs only what the live database lacks."""
    if table.schema:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(table.schema)))
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (version_num varchar(32) NOT NULL, CONSTRAINT {} PRIMARY KEY (version_num))"
        ).format(table.identifier, sql.Identifier(f"{table.name}_pkc"))
    )
    conn.execute(sql.SQL("DELETE FROM {}").format(table.identifier))
    for rev in current:
        conn.execute(sql.SQL("INSERT INTO {} VALUES ({})").format(table.identifier, sql.Literal(rev)))


def _server_error(exc: MigrationError) -> Finding:
    line = exc.line or 1
    text = _source_line(exc.path, line)
    column = len(text) - len(text.lstrip()) + 1
    where = f"{exc.path}:{line}:{column}" if exc.path else "alembic"
    message = str(exc).split(": ", 1)[-1]
    return Finding(
        code="server-error",
        kind="server-error",
        severity=Severity.ERROR,
        object=where,
        message=message,
        hint="Make the revision work on that schema, e.g. add a missing column first or guard the step.",
        source="lint",
        evidence={"sqlstate": exc.sqlstate, "line": line, "column": column, "source_line": text},
    )


def _source_line(path: str | None, line: int) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines() if path else []
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""
