"""`pgwarden check` against a database across a network: every round trip costs the link's latency.

Bots on a PaaS are checked from a laptop or a CI runner against a database in another place, where
a round trip takes 5-50 ms instead of 0.05 ms. This bench puts a proxy between the commands and the
server that holds every server-to-client chunk for ``--latency`` ms (one added delay per round trip,
connection set-up included) and times whole commands, warm, through ``bench/cli.py``'s wrapper:

* ``pgwarden check`` on examples/telegram_bot and examples/alembic_bot, direct and through the proxy;
* ``alembic check`` on examples/alembic_bot through the proxy (the anchor);
* ``pgwarden migrate up`` and ``alembic upgrade head`` with nothing to apply (a deploy), likewise;
* ``pgwarden status`` and ``pgwarden run -- true`` (start to exit) on examples/telegram_bot;
* a first deploy: ``--files`` generated files (``bench/migrate.py``) onto an empty database by
  ``pgwarden migrate up``, ``alembic upgrade head`` and the no-ledger floor (a psycopg loop sending
  one statement at a time, one transaction per file), each on a database created before each run;

and prints how many round trips each command's extra time amounts to.

    .venv/bin/python bench/remote.py --server postgresql://postgres@127.0.0.1:5432/postgres --latency 10
    .venv/bin/python bench/remote.py --server URL --baseline ../main/src   # before/after, interleaved
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cli as cli_bench  # noqa: E402  (bench/cli.py: whole-process timing, the same in every bench)
import migrate as migrate_bench  # noqa: E402  (bench/migrate.py: the generated files and revisions)
from cli import BIN, Command, FreshDatabases, pgwarden  # noqa: E402
from drift import with_dbname  # noqa: E402


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        while data := await reader.read(65536):
            if delay:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


@contextmanager
def latency_proxy(host: str, port: int, delay_ms: float) -> Iterator[int]:
    """A local TCP port that forwards to ``host:port``, answers delayed by ``delay_ms``."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    bound: list[int] = []

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(host, port)
        await asyncio.gather(_pipe(client_r, server_w, 0), _pipe(server_r, client_w, delay_ms / 1000))

    async def serve() -> asyncio.AbstractServer:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, family=socket.AF_INET)
        bound.append(server.sockets[0].getsockname()[1])
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(serve())
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait()
    try:
        yield bound[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


def _via(url: str, proxy_port: int) -> str:
    """``url`` pointing at the proxy."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy_port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


def _through(env: dict[str, str], proxy_port: int) -> dict[str, str]:
    """``env`` with the database URL and ``DB_*`` parts pointing at the proxy."""
    url = _via(env["DATABASE_URL"], proxy_port)
    return {**env, "DATABASE_URL": url, "DB_HOST": "127.0.0.1", "DB_PORT": str(proxy_port)}


SINGLE = ", one transaction"  # pgwarden's --single-transaction, Alembic's default env.py


def _first_deploy(
    server: str, port: int, folder: Path, script_dir: Path, tmp: Path, baseline: Path | None
) -> tuple[list[tuple[Command, Command]], list[FreshDatabases]]:
    """(near, remote) pairs migrating ``folder`` (or its Alembic twin) onto an empty database."""
    near = FreshDatabases(server)
    far = FreshDatabases(server, lambda name: _via(with_dbname(server, name), port))

    def pair(what: str, name: str, env: dict[str, str] | None = None) -> tuple[Command, Command]:
        label = f"first deploy: {what}" + (" [baseline]" if env else "")
        made = []
        for fresh, db, shown in (
            (near, f"bench_remote_{name}", label),
            (far, f"bench_remote_{name}_far", f"{label}, remote"),
        ):
            single = what.endswith(SINGLE)
            if what.startswith("pgwarden"):
                command = fresh.pgwarden_up(
                    shown, db, folder, tmp, *(["--single-transaction"] if single else [])
                )
            elif what.startswith("alembic"):
                script = script_dir.parent / "alembic_single" if single else script_dir
                command = fresh.alembic_upgrade(shown, db, script, tmp)
            else:
                command = fresh.floor(shown, db, folder)
            made.append(dataclasses.replace(command, env=env))
        return made[0], made[1]

    pairs = [
        pair("no-ledger floor (psycopg loop)", "floor"),
        pair("pgwarden migrate up", "pgw"),
        pair("alembic upgrade head", "alembic"),
        pair(f"pgwarden migrate up{SINGLE}", "pgw1"),
        pair(f"alembic upgrade head{SINGLE}", "alembic1"),
    ]
    if baseline is not None:
        before = {"PYTHONPATH": str(baseline.resolve())}
        pairs.append(pair("pgwarden migrate up", "pgw_base", before))
        pairs.append(pair(f"pgwarden migrate up{SINGLE}", "pgw1_base", before))
    return pairs, [near, far]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", required=True, metavar="URL", help="a maintenance database URL over TCP")
    parser.add_argument("--latency", type=float, default=10.0, metavar="MS", help="added per round trip")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=50, help="files of the first deploy")
    parser.add_argument(
        "--baseline", type=Path, metavar="SRC", help="also run pgwarden from this src folder (before/after)"
    )
    args = parser.parse_args(argv)
    parts = urlsplit(args.server)
    if not parts.hostname:
        parser.error("--server must be a TCP URL (postgresql://user@host:port/db)")
    print(f"python {sys.version.split()[0]}; {args.latency:g} ms added per round trip")
    check, up = pgwarden("check"), pgwarden("migrate", "up")
    alembic_check, upgrade = [str(BIN / "alembic"), "check"], [str(BIN / "alembic"), "upgrade", "head"]
    with (
        latency_proxy(parts.hostname, parts.port or 5432, args.latency) as port,
        cli_bench.example_database(args.server, "telegram_bot", "bench_remote_bot") as (bot, bot_env),
        cli_bench.example_database(args.server, "alembic_bot", "bench_remote_abot") as (abot, abot_env),
        tempfile.TemporaryDirectory(prefix="pgwarden-bench-remote-") as tmp,
        ExitStack() as cleanup,
    ):
        folder, script_dir = migrate_bench.build(Path(tmp), args.files, "realistic")
        deploys, fresh = _first_deploy(args.server, port, folder, script_dir, Path(tmp), args.baseline)
        for databases in fresh:
            cleanup.callback(databases.drop_all)
        rows = [
            ("telegram_bot: pgwarden check", check, bot, bot_env),
            ("alembic_bot: pgwarden check", check, abot, abot_env),
            ("alembic_bot: alembic check", alembic_check, abot, abot_env),
            # A deploy with nothing to apply: what every release of the bot pays before it starts.
            ("telegram_bot: pgwarden migrate up", up, bot, bot_env),
            ("alembic_bot: pgwarden migrate up", up, abot, abot_env),
            ("alembic_bot: alembic upgrade head", upgrade, abot, abot_env),
            ("telegram_bot: pgwarden status", pgwarden("status"), bot, bot_env),
            # A bot's start under the guardian, to its command's exit: gate, identity, lease, release.
            (
                "telegram_bot: pgwarden run -- true",
                pgwarden("run", "--name", "bench", "--", "true"),
                bot,
                bot_env,
            ),
        ]
        if args.baseline:
            base = {"PYTHONPATH": str(args.baseline.resolve())}
            rows += [
                (f"{label} [baseline]", argv, cwd, {**env, **base})
                for label, argv, cwd, env in rows
                if argv[0] != alembic_check[0]
            ]
        pairs = [
            (
                Command(label, argv, cwd=cwd, env=env, cached=True),
                Command(f"{label}, remote", argv, cwd=cwd, env=_through(env, port), cached=True),
            )
            for label, argv, cwd, env in rows
        ] + deploys
        figures = cli_bench.compare([c for pair in pairs for c in pair], args.repeat)
    print(f"\n### warm, {args.latency:g} ms per round trip on the remote rows\n")
    print("| command | near s | remote s | extra s | ≈ round trips |")
    print("|---|---:|---:|---:|---:|")
    for near, far in pairs:
        a, b = figures[near.label]["warm"].median, figures[far.label]["warm"].median
        print(f"| {near.label} | {a:.3f} | {b:.3f} | {b - a:.3f} | {(b - a) / (args.latency / 1000):.0f} |")
    for mine, anchor in (
        ("pgwarden check", "alembic check"),
        ("pgwarden migrate up", "alembic upgrade head"),
    ):
        a = figures[f"alembic_bot: {anchor}, remote"]["warm"].median
        b = figures[f"alembic_bot: {mine}, remote"]["warm"].median
        print(f"\nremote, alembic_bot: `{mine}` {b:.3f} s, `{anchor}` {a:.3f} s ({a / b:.2f}× faster)")
    for mine, anchor in (
        ("pgwarden migrate up", "no-ledger floor (psycopg loop)"),
        ("pgwarden migrate up", "alembic upgrade head"),
        (f"pgwarden migrate up{SINGLE}", f"alembic upgrade head{SINGLE}"),
    ):
        a = figures[f"first deploy: {anchor}, remote"]["warm"].median
        b = figures[f"first deploy: {mine}, remote"]["warm"].median
        print(
            f"\nremote, first deploy of {args.files} files: {mine} {b:.3f} s, {anchor} {a:.3f} s ({b / a:.2f}×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
