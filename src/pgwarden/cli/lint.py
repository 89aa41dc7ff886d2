"""``pgwarden lint``: check migration files for locking, breaking and incident-prone statements."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

import click

from .. import findings as findings_module
from .. import formats
from .._collector import cycle_collector_off
from ..errors import UsageError
from ..findings import Finding
from ..lint import ALL_RULES, Settings, lint_paths
from ..lint.settings import settings_from
from ..migrate.alembic_scripts import is_alembic
from ..migrate.source import discover, is_migrations_folder
from ..urls import describe
from ._state import State, dev_url_option, format_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option
@click.option("--rule", "only", multiple=True, metavar="ID", help="Run only this rule (repeatable).")
@click.option("--exclude", multiple=True, metavar="ID", help="Skip this rule (repeatable).")
@click.option(
    "--against",
    metavar="URL|FILE|DIR",
    help="Schema-aware mode: run each file on a scratch copy of this schema (database URL, snapshot.json, .sql file or migrations folder).",
)
@dev_url_option
@click.option(
    "--assume-in-transaction/--no-assume-in-transaction",
    default=None,
    help="Whether the runner wraps each file in a transaction (default: yes, unless the file says `-- pgwarden: no-transaction`).",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Lint every file afresh, ignoring and not writing the results cache ($XDG_CACHE_HOME/pgwarden/lint).",
)
@click.option("--list-rules", is_flag=True, help="List the rules with their severity and problem, then exit.")
@click.pass_obj
def lint(
    state: State,
    paths: tuple[Path, ...],
    fmt: str,
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    against: str | None,
    dev_url: str | None,
    assume_in_transaction: bool | None,
    strict: bool,
    no_cache: bool,
    list_rules: bool,
) -> int:
    """Lint SQL migrations with PostgreSQL's own parser (default: the configured migrations folder).

    Silence a rule on one statement with `-- pgwarden:ignore <rule>[, <rule>] -- reason` above it,
    or for the whole file with that comment at the top followed by a blank line.
    """
    if list_rules:
        for rule in ALL_RULES:
            state.out.write(f"{rule.id:<40} {rule.severity.value:<8} {rule.problem}\n")
        return 0
    cfg = state.config(dev_url=dev_url)
    settings = settings_from(cfg, only=only, exclude=exclude, assume_in_transaction=assume_in_transaction)
    targets = list(paths)
    if not targets:
        if cfg.migrations is None:
            raise UsageError(
                f"Nothing to lint: pass SQL files or folders, or set `{cfg.prefix}migrations` in {cfg.where}."
            )
        targets = [cfg.migrations]
    alembic = [t for t in targets if is_alembic(t)]
    targets = [t for t in targets if t not in alembic]
    # a migrations folder is named the way `migrate` wants it, or lint says no as migrate would
    folders = [t for t in targets if t.is_dir() and (t == cfg.migrations or is_migrations_folder(t))]
    if against:
        for folder in folders:
            discover(folder)
    found = []
    if alembic and against:
        if "://" not in against and not against.startswith("postgres"):
            raise UsageError(
                f"--against {against}: Alembic revisions are linted against a database (its URL): the "
                "revisions after its revision run on a copy of its schema."
            )
        from ..lint.alembic_against import lint_alembic_against  # imports Alembic

        found = [
            f
            for where in alembic
            for f in lint_alembic_against(where, settings, against, dev_url=cfg.dev_url).findings
        ]
    elif alembic:
        from ..lint.alembic_cache import lint_alembic_cached

        found = [f for where in alembic for f in lint_alembic_cached(where, settings, no_cache=no_cache)]
    if targets and against:
        from ..lint.simulate import lint_against

        found += lint_against(targets, settings, against, dev_url=cfg.dev_url)
    title = f"pgwarden lint: {len(settings.rules)} rules" + (
        f", against {describe(against)}" if against else ""
    )
    color = bool(getattr(state.out, "isatty", lambda: False)()) if state.color is None else state.color

    def render(found: Sequence[Finding], out: IO[str]) -> None:
        with cycle_collector_off():  # a report's dicts are acyclic; collections would walk every finding
            if fmt == "text":
                from ..lint.report import render_text  # rich costs ~50 ms to import; other formats skip it

                render_text(found, out, color=color, title=title)
            else:
                formats.render(found, fmt, out, color=color, title=title)

    if targets and not against:
        contents: dict[Path, bytes] = {}  # each file read once: for the cache key, linting, the check

        def checked(files: Sequence[Path], given: Settings) -> list[Finding]:
            # the folders are checked as `migrate` would, beside the linting (a cache hit: they passed)
            found = lint_paths(
                files, given, contents=contents, check=lambda: [discover(f, contents) for f in folders]
            )
            contents.clear()  # not held while the report is written
            return found

        if no_cache:
            found += checked(targets, settings)
        elif not alembic and not (fmt == "text" and color):  # a terminal's colours are drawn afresh
            from ..lint import lean
            from ..lint.cache import Report, report_cached

            report = Report(f"{fmt}\n{title}", render)
            # the next run of this command line may be answered before click is imported (lean.py):
            # only when no section of the config but lint's and migrate's (each checked from the
            # file alone) is validated on the way
            lean_head = lean.take_pending() if set(cfg.sections) <= {"lint", "migrate"} else None
            return report_cached(
                targets,
                settings,
                checked,
                report,
                state.out,
                strict=strict,
                folders=folders,
                lean_head=lean_head,
                contents=contents,
            )
        else:
            from ..lint.cache import lint_cached

            found += lint_cached(targets, settings, checked, folders=folders, contents=contents)
    render(found, state.out)
    return findings_module.exit_code(found, strict=strict)
