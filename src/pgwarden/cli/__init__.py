"""The ``pgwarden`` command line: ``main(argv, out, err) -> exit code``; only ``__main__`` exits."""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import IO

import click

from .. import __version__, phases
from ..errors import PgwardenError
from ..redact import RedactingFilter, redacting, register_environment
from ._state import State

__all__ = ["main", "cli"]

COMMANDS = {
    "check": "pgwarden.cli.check:check",
    "diff": "pgwarden.cli.diff:diff",
    "snapshot": "pgwarden.cli.snapshot:snapshot",
    "lint": "pgwarden.cli.lint:lint",
    "migrate": "pgwarden.cli.migrate:migrate",
    "demo": "pgwarden.cli.demo:demo",
    "doctor": "pgwarden.cli.doctor:doctor",
    "health": "pgwarden.cli.health:health",
    "run": "pgwarden.cli.run:run",
    "status": "pgwarden.cli.status:status",
    "repair": "pgwarden.cli.repair:repair_command",
    "backup": "pgwarden.cli.backup:backup",
    "init": "pgwarden.cli.init:init",
    "console": "pgwarden.cli.console:console",
    "export": "pgwarden.cli.export:export",
    "deploy": "pgwarden.cli.deploy:deploy",
}
"""Every command, imported only when it runs: `pgwarden lint` need not load SQLAlchemy."""


SUMMARIES = {
    "check": "Compare the live database with what the code expects, and say how to fix each difference.",
    "diff": "Compare two schemas: findings, or with --sql the script that turns FROM into TO.",
    "snapshot": "Write the schema of the live database (or another source) to a snapshot file.",
    "lint": "Lint SQL migrations with PostgreSQL's own parser (default: the configured migrations folder).",
    "migrate": "Apply SQL migrations safely: a ledger with checksums, one migrator at a time, atomic files.",
    "demo": "Replay the incidents on an embedded PostgreSQL: a renamed column, missing triggers, a legacy table.",
    "doctor": "Triage incidents: known log signatures with a fix for each, and probes of the host and server.",
    "health": "Exit 0 when the guardian answers 200 on /health/ready (or /health/live), 1 when it answers 503.",
    "run": "Run COMMAND only while this instance is the active one (one per --name across hosts).",
    "status": "Show the registered instances and leases, and flag stale code, silent instances and data loss.",
    "repair": "Fix the rows that break an invariant: a dry run by default, batches with --apply.",
    "backup": "Backups that know their database: pg_dump archives with a manifest, verified by restoring.",
    "init": "Find the models, migrations, settings and deployment files, and write pgwarden.toml.",
    "console": "Serve one read-only page: instances, takeovers, the schema check, migrations, invariants, backups, incidents.",
    "deploy": "Check a deployment from the outside: code version, migrations, gate, leader, bot, logs.",
    "export": "Write the Grafana dashboard (JSON) or the Prometheus alerting rules (YAML) for pgwarden's /metrics.",
}
"""Each command's first help sentence, so `pgwarden --help` imports no command (a test keeps them equal)."""


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 10)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shorten(SUMMARIES[name], limit)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="pgwarden", message="%(prog)s %(version)s")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: pgwarden.toml or [tool.pgwarden] in pyproject.toml, here or in a parent folder).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say what pgwarden is doing (on stderr).")
@click.option("--traceback", is_flag=True, help="Show the Python traceback of an error.")
@click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: only on a terminal)."
)
@click.pass_obj
def cli(state: State, config_path: str | None, verbose: bool, traceback: bool, color: bool | None) -> None:
    """pgwarden keeps a Python service and its PostgreSQL database honest with each other.

    It compares what your code expects (SQLAlchemy models, SQL migrations, a snapshot,
    declared triggers, functions, settings and data invariants) with the live database,
    and says what differs and which statement fixes it; it applies and lints migrations,
    repairs data in batches, keeps exactly one instance of the bot active, reads logs for
    known incidents and makes backups that are verified by restoring. Exit codes: 0 clean,
    1 findings at error level, 2 usage or configuration error, 3 database unreachable,
    70 internal error.
    """
    state.config_path = config_path
    state.color = color
    phases.say(verbose)
    if verbose:
        handler = logging.StreamHandler(state.err)
        handler.setFormatter(logging.Formatter("pgwarden: %(message)s"))
        handler.addFilter(RedactingFilter())
        root = logging.getLogger("pgwarden")
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        phases.mark("options read, the command's code imported")


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so scratch clusters are stopped and removed on the way out."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def _database_refusal(exc: Exception) -> PgwardenError | None:
    """A privilege or read-only refusal from the server, wherever it was raised: exit 2 with the GRANT."""
    if "psycopg" not in sys.modules:  # lint and doctor logs never load it
        return None
    from ..privileges import PRIVILEGE_ERRORS, from_database_error  # psycopg: only on an error

    if isinstance(exc, PRIVILEGE_ERRORS):
        return from_database_error(exc)
    return None


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Run pgwarden with ``argv`` and return its exit code."""
    if argv is None:
        _exit_cleanly_on_sigterm()
    args = list(sys.argv[1:] if argv is None else argv)
    # Every byte pgwarden prints passes the redaction layer: URLs' passwords, tokens, and the
    # values of secret-looking environment variables wherever they turn up.
    register_environment()
    state = State(out=redacting(out or sys.stdout), err=redacting(err or sys.stderr))
    try:
        return _main(args, state)
    finally:
        phases.say(False)  # -v lasts for its command (tests run several in one process)
        for stream in (state.out, state.err):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to protect
                stream.flush()


def _main(args: list[str], state: State) -> int:
    show_traceback = "--traceback" in args
    try:
        result = cli.main(args=args, prog_name="pgwarden", standalone_mode=False, obj=state)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show(file=state.err)
        return exc.exit_code
    except click.exceptions.Abort:
        state.err.write("pgwarden: interrupted.\n")
        return 130
    except KeyboardInterrupt:
        state.err.write("pgwarden: interrupted.\n")
        return 130
    except PgwardenError as exc:
        if show_traceback:
            traceback.print_exc(file=state.err)
        state.err.write(f"pgwarden: {exc}\n")
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug, reported as one
        known = _database_refusal(exc)
        if known is not None:
            if show_traceback:
                traceback.print_exc(file=state.err)
            state.err.write(f"pgwarden: {known}\n")
            return known.exit_code
        if show_traceback:
            traceback.print_exc(file=state.err)
        state.err.write(
            f"pgwarden: internal error ({type(exc).__name__}: {exc}). This is a bug in pgwarden; "
            "run again with --traceback and report the output.\n"
        )
        return 70
    code = result if isinstance(result, int) else 0
    phases.mark(f"done, exit code {code}")
    return code
