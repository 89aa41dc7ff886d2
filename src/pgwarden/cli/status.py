"""``pgwarden status``: which instances run, which is active, which code each runs, and what is wrong."""

from __future__ import annotations

from contextlib import nullcontext

import click
import psycopg

from .. import findings as findings_module
from .. import formats
from ..checks.instances import Status, evaluate, present_query, read_seen_status, table
from ..db import connect, pooling
from ..pooling import asking_direct
from ..urls import describe
from ._state import State, db_option, format_option


@click.command()
@db_option
@click.option("--name", help="Only the instances of this lease name.")
@click.option(
    "--ttl",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    help="Seconds after which a silent instance is flagged (default: the ttl each instance runs with).",
)
@format_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_obj
def status(
    state: State, database_url: str | None, name: str | None, ttl: float | None, fmt: str, strict: bool
) -> int:
    """Show the registered instances and leases, and flag stale code, silent instances and data loss.

    Read-only. Exit 1 when an instance is not ready, saw data loss, or no instance holds a lease.
    """
    cfg = state.config(database_url=database_url)
    url = cfg.db_url()
    assert url is not None
    with connect(url, timeout=cfg.connect_timeout, autocommit=True) as conn:
        # Whether an instance ever registered and whether this is a direct TCP connection, in one
        # round trip (one statement each, read-only); the instances and leases in another.
        with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
            present = conn.execute(present_query())
            answer = asking_direct(conn)
        registered = bool(present.fetchall()[0][0])
        through = answer()  # else the probe's two connections, below
        current = read_seen_status(conn, name=name) if registered else Status([], [], registered=False)
    through = through or pooling(url, timeout=cfg.connect_timeout, asked=True)
    found = evaluate(current, ttl=ttl)
    title = f"pgwarden status: {describe(url)}"
    if fmt == "text":
        if not current.registered:
            state.out.write(f"{title}: no pgwarden instance has registered in this database yet.\n")
            state.out.write(f"connection: {through.describe()}\n")
            return 0
        state.out.write(title + f"\nconnection: {through.describe()}\n\n")
        state.out.write("\n".join(table(current.instances)) + "\n\n")
        for lease in current.leases:
            holder = "held" if lease.valid else "free"
            state.out.write(f"lease {lease.name!r}: epoch {lease.epoch}, {holder}\n")
        state.out.write("\n")
    formats.render(
        found,
        fmt,
        state.out,
        color=state.color,
        title="" if fmt == "text" else title,
        extra={
            "database": describe(url),
            "connection": through.to_dict(),
            "instances": [i.to_dict() for i in current.instances],
            "leases": [lease.to_dict() for lease in current.leases],
        },
    )
    return findings_module.exit_code(found, strict=strict)
