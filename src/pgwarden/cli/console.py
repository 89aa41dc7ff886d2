"""``pgwarden console``: one read-only web page for the service and its database."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from ._state import State, db_option


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8470, show_default=True, help="Port (0: a free one)."
)
@click.option(
    "--refresh",
    type=click.FloatRange(min=1),
    default=10.0,
    show_default=True,
    metavar="S",
    help="Seconds between reads of the service's tables (the page refreshes as often).",
)
@click.option(
    "--slow-every",
    type=click.FloatRange(min=5),
    default=300.0,
    show_default=True,
    metavar="S",
    help="Seconds between schema checks, invariant runs and log scans.",
)
@click.option(
    "--log", "logs", multiple=True, metavar="FILE", help="A log file for the doctor's incidents (repeatable)."
)
@click.option(
    "--unit", "units", multiple=True, metavar="UNIT", help="A systemd unit whose journal the doctor reads."
)
@click.option(
    "--container",
    "containers",
    multiple=True,
    metavar="NAME",
    help="A docker container whose logs the doctor reads.",
)
@click.option(
    "--token-env",
    default="PGWARDEN_CONSOLE_TOKEN",
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the token; required when --host is not a loopback address.",
)
@click.option(
    "--once",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Read everything once, write the page to FILE and exit (no server).",
)
@click.pass_obj
def console(
    state: State,
    database_url: str | None,
    host: str,
    port: int,
    refresh: float,
    slow_every: float,
    logs: tuple[str, ...],
    units: tuple[str, ...],
    containers: tuple[str, ...],
    token_env: str,
    once: Path | None,
) -> int:
    """Serve one read-only page: instances, takeovers, the schema check, migrations, invariants, backups, incidents.

    Every read is a SELECT in a READ ONLY transaction; a role with CONNECT, read access to schema
    pgwarden and pg_read_all_stats is enough (what is missing is shown as the GRANT it needs).
    Binds 127.0.0.1 by default; on any other address a token is required.
    """
    from ..console import Options, build
    from ..doctor.reader import LogSource
    from ..errors import UsageError

    cfg = state.config(database_url=database_url)
    url = cfg.db_url()
    assert url is not None
    sources = (
        *(LogSource("file", f) for f in logs),
        *(LogSource("journal", u) for u in units),
        *(LogSource("docker", c) for c in containers),
    )
    options = Options(refresh=refresh, slow_every=slow_every, logs=tuple(sources))
    board = build(cfg, url, options)
    if once is not None:
        return _once(state, board, once)

    from ..console.serve import serve
    from ..listen import bind, is_loopback, url_of

    token = os.environ.get(token_env) or None
    if not is_loopback(host) and token is None:
        raise UsageError(
            f"The console on {host} would be open to the network: set a token in ${token_env} "
            "(or name another variable with --token-env), or keep the default --host 127.0.0.1."
        )
    sock = bind(host, port, serving="the console", settings="--host / --port")
    address = url_of(sock) + "/"
    started = time.monotonic()
    board.start()

    def ready() -> None:
        state.out.write(
            f"pgwarden console: serving {address} (read-only; first page ready in "
            f"{(time.monotonic() - started) * 1000:.0f} ms; Ctrl-C stops)\n"
        )
        if token is not None:
            state.out.write(f"Log in once with {address}login?token=<the value of ${token_env}>\n")
        state.out.flush()

    serve(board, sock, token=token, ready=ready)
    return 0


def _once(state: State, board: object, path: Path) -> int:
    from datetime import datetime, timezone
    from importlib import resources

    from ..console.render import page
    from ..console.state import Console

    assert isinstance(board, Console)
    for reader in board.readers:
        board.run_once(reader)
    now = datetime.now(timezone.utc)
    style = (
        resources.files("pgwarden.console")
        .joinpath("static")
        .joinpath("console.css")
        .read_text(encoding="utf-8")
    )
    html = page(
        board.panels(),
        now=now,
        database=board.database,
        refresh=board.refresh,
        banner=board.banner(now),
        style=style,
    )
    path.write_text(html, encoding="utf-8")
    state.out.write(f"pgwarden console: wrote {path} ({len(board.panels())} panels).\n")
    return 0
