"""``pgwarden doctor``: what the logs, the host and the database server say is wrong, and what to do."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from .. import dburl, formats
from .. import findings as findings_module
from ..errors import DatabaseUnreachable, UsageError
from ..redact import redacting
from ..urls import describe
from ._doctor_telegram import telegram
from ._state import State

__all__ = ["doctor"]

_FORMATS = ("text", "json")


@click.group()
def doctor() -> None:
    """Triage incidents: known log signatures with a fix for each, and probes of the host and server."""


@doctor.command()
@click.argument("files", nargs=-1, metavar="[FILE...|-]")
@click.option("--journal", "units", multiple=True, metavar="UNIT", help="Read the journal of a systemd unit.")
@click.option(
    "--docker", "containers", multiple=True, metavar="CONTAINER", help="Read `docker logs` of a container."
)
@click.option(
    "--since", metavar="TIME", help="Only events from then on: 2026-11-22, '10:00', 2h, '30 min ago'."
)
@click.option(
    "--tz",
    "tz",
    metavar="ZONE",
    help="The zone of log times that name none, and of the times shown: UTC, Europe/Moscow, +03:00 "
    "(default: this computer's).",
)
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True)
@click.option(
    "--jobs", type=click.IntRange(min=1), help="Processes for large files (default: up to 4 cores)."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained HTML page with a timeline of the incidents.",
)
@click.pass_obj
def logs(
    state: State,
    files: tuple[str, ...],
    units: tuple[str, ...],
    containers: tuple[str, ...],
    since: str | None,
    tz: str | None,
    fmt: str,
    jobs: int | None,
    html_path: str | None,
) -> int:
    """Find known incidents in logs: plain text, JSON lines or gzip files, stdin (-), journald, docker.

    Each incident has a count, first and last time seen, examples, why it happens, what to do
    and the pgwarden command that checks or fixes it. Error-like lines no signature knows are
    grouped into templates. Exit status 1 when an incident of error severity was found, else 0.
    """
    # hyperscan and orjson: only `doctor logs` matches lines
    from ..doctor.logs import analyze
    from ..doctor.reader import LogSource
    from ..doctor.report import render_text, to_dict
    from ..doctor.timestamps import parse_since, parse_zone

    sources = [LogSource("stdin" if f == "-" else "file", f) for f in files]
    sources += [LogSource("journal", u) for u in units]
    sources += [LogSource("docker", c) for c in containers]
    if not sources:
        raise UsageError(
            "Nothing to read: pass log files, - for standard input, --journal UNIT or --docker NAME."
        )
    if sum(1 for s in sources if s.kind == "stdin") > 1:
        raise UsageError("Standard input (-) can be read only once.")
    zone = parse_zone(tz) if tz else None
    start = parse_since(since, now=datetime.now(zone) if zone else None) if since else None
    report = analyze(sources, since=start, jobs=jobs, zone=zone)
    if html_path:
        from ..doctor.html import render_html

        try:
            with open(html_path, "w", encoding="utf-8") as page:
                cleaned = redacting(page)
                render_html(report, cleaned, zone=zone)
                cleaned.flush()
        except OSError as exc:
            raise UsageError(f"Cannot write the HTML report {html_path}: {exc.strerror or exc}.") from None
    if fmt == "json":
        json.dump(to_dict(report), state.out, indent=2, ensure_ascii=False)
        state.out.write("\n")
    else:
        render_text(report, state.out, color=state.color)
    return report.exit_code()


@doctor.command()
@click.option("--db", "database_url", metavar="URL", help="Also probe this database server.")
@click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(file_okay=False),
    help="The service's code folder, for stale bytecode and code newer than the process (default: .).",
)
@click.option("--unit", "units", multiple=True, metavar="UNIT", help="A systemd unit to check restarts of.")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "github", "sarif")), default="text")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_obj
def env(
    state: State,
    database_url: str | None,
    paths: tuple[str, ...],
    units: tuple[str, ...],
    fmt: str,
    strict: bool,
) -> int:
    """Probe the host (duplicate bot processes, stale bytecode, restarts, disk, memory) and the server.

    Says which source the database URL came from (--db, the settings object, DATABASE_URL,
    .env, DB_* parts, libpq's PG* variables) and which sources lost to it, never the
    password. With a database URL it also probes the server: start time, cluster identity,
    connections, long-running and idle-in-transaction sessions, blocked locks, database size.
    Runs read-only.
    """
    # psutil and psycopg: only `doctor env` probes the host and the server
    from ..doctor.host import probe_host
    from ..doctor.server import probe_server

    folders = [Path(p) for p in paths] or [Path.cwd()]
    found, notes = probe_host(folders, units=list(units))
    where = state.config(database_url=database_url).db_source()
    url = where.url
    said = [where.summary(), *where.notes]
    direct = dburl.direct_for_config(state.config(database_url=database_url))
    if direct is not None and direct.url:  # migrations, run's lease and backups connect there instead
        said.insert(1, f"Direct URL {describe(direct.url)} from {direct.source}: migrations, lease, backups.")
    notes = [*said, *notes]
    if fmt == "text" and url:  # said before the probe, so an unreachable server still shows the source
        for line in said:
            state.err.write(f"pgwarden: {line}\n")
    if url:
        from ..runtime.registry import code_version  # psycopg: only with a database URL

        found += probe_server(url, disk_version=code_version(folders[0]))
        notes.append(connection_note(url, state.config(database_url=database_url).connect_timeout))
    title = "pgwarden doctor env: this host" + (f" and {describe(url)}" if url else "")
    formats.render(found, fmt, state.out, color=state.color, title=title, extra={"notes": notes})
    if fmt == "text":
        for note in notes:
            state.out.write(f"Note: {note}\n")
    return findings_module.exit_code(found, strict=strict)


doctor.add_command(telegram)


def connection_note(url: str, timeout: float) -> str:
    """What sits between this host and PostgreSQL, and what that means for pgwarden and the service."""
    from ..db import pooling  # psycopg: only with a database URL

    try:
        found = pooling(url, timeout=timeout)
    except DatabaseUnreachable as exc:
        return f"connection: could not probe ({exc})"
    note = f"connection: {found.describe()}."
    if found.mode == "transaction":
        note += (
            " pgwarden's locks and lease need no session state there; the service's own session state "
            "(SET, advisory locks, LISTEN, server-side prepared statements such as asyncpg's statement "
            "cache) does not hold. See docs/poolers.md."
        )
    elif found.mode == "statement":
        note += " Transactions are refused there: run migrations and `pgwarden run` through a direct URL (DIRECT_URL)."
    return note
