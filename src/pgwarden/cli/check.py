"""``pgwarden check``: does the live database agree with the models, migrations and declared objects?"""

from __future__ import annotations

from pathlib import Path

import click

from .. import findings as findings_module
from .. import formats, phases
from .._alembic_env import unread_note
from ..config import Config
from ..paths import cache_enabled, cache_holds_entries, show_path
from ..scratch import LazyScratch
from ..urls import describe
from ._state import State, db_option, dev_url_option, format_option


@click.command()
@db_option
@click.option(
    "--models",
    metavar="MODULE:ATTR",
    help="SQLAlchemy MetaData or declarative Base (app.db:Base), or Tortoise/Peewee models (app.models).",
)
@click.option("--migrations", type=click.Path(file_okay=False), help="Folder of NNN_name.sql migrations.")
@click.option(
    "--snapshot", type=click.Path(dir_okay=False), help="Snapshot file written by `pgwarden snapshot`."
)
@dev_url_option
@format_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--update-snapshot", is_flag=True, help="Accept the live schema: rewrite the snapshot file from it."
)
@click.option(
    "--accept",
    is_flag=True,
    help="Record today's schema findings as accepted drift (pgwarden-accepted.json, or `accepted`): "
    "from then on only new or changed drift fails.",
)
@click.option(
    "--invariants/--no-invariants",
    "with_invariants",
    default=True,
    show_default=True,
    help="Run the configured data invariants ([[invariants]], invariants_dir) too.",
)
@click.option(
    "--verify-fixes/--no-verify-fixes",
    default=True,
    show_default=True,
    help="Try every fix SQL on a scratch copy of the live schema first (only when there are fixes; "
    "the verdicts are cached); offer only those that clear their finding (the others move to "
    "evidence.unverified_fix_sql).",
)
@click.option(
    "--record-migration",
    "record_as",
    metavar="NAME",
    help="Write the next NNN_NAME.sql migration holding what the models and live already have and no "
    "migration records (the findings whose lagging side is the migrations).",
)
@click.pass_obj
def check(
    state: State,
    database_url: str | None,
    models: str | None,
    migrations: str | None,
    snapshot: str | None,
    dev_url: str | None,
    fmt: str,
    strict: bool,
    update_snapshot: bool,
    accept: bool,
    with_invariants: bool,
    verify_fixes: bool,
    record_as: str | None,
) -> int:
    """Compare the live database with what the code expects, and say how to fix each difference.

    Runs read-only (a READ ONLY transaction); a role with CONNECT and catalog access is enough.
    With models, migrations and a database all configured, each finding says where the
    disagreement lies: models vs migrations, or migrations vs the live database.
    Data invariants run too, each read-only with its own statement_timeout.
    Findings recorded with --accept are listed as accepted and fail nothing unless they change.
    """
    cfg = state.config(
        database_url=database_url, models=models, migrations=migrations, snapshot=snapshot, dev_url=dev_url
    )
    if not cfg.models and (note := unread_note(cfg.migrations)):
        state.err.write(f"pgwarden: note: {note} Checking without models.\n")
    if update_snapshot and not cfg.snapshot:
        raise click.UsageError(
            "--update-snapshot needs a snapshot file: pass --snapshot FILE or set `snapshot`."
        )
    with LazyScratch(cfg.dev_url) as scratch:
        if builds_for_certain(cfg):
            # The cluster's initdb runs on another core while the driver, the checks and the
            # comparison import (~0.15-0.2 s): imported here, after it started.
            scratch.prestart()
            if cfg.migrations:
                folder = cfg.migrations
                scratch.meanwhile(lambda: _alembic_preload(folder))
        from ..orchestrator import run_check

        phases.mark("the driver and the comparison imported")
        result = run_check(
            cfg,
            update_snapshot=update_snapshot,
            scratch=scratch,
            invariants=with_invariants,
            baseline=not accept,
            verify=verify_fixes and not accept,  # --accept prints no fixes
        )
    from ..checks import accepted
    from ..checks.run import summary
    from ..orchestrator import accepted_file

    if accept:
        path = accepted_file(cfg)
        entries = accepted.write(path, result.findings)
        rest = [f for f in result.findings if not accepted.acceptable(f)]
        state.out.write(
            f"Accepted {len(entries)} finding(s) in {show_path(path)}: review the file and commit it; "
            "`pgwarden check`, CI and the schema gate now fail only on new or changed drift.\n"
        )
        if rest:
            formats.render(rest, fmt, state.out, color=state.color, title="Not accepted (not drift):")
        return findings_module.exit_code(rest, strict=strict)
    if record_as is not None:
        from .. import record  # the migration writer: only with --record-migration

        written = record.write(cfg.migrations, record_as, result.findings)
        state.out.write(
            f"Wrote {show_path(written.path)} with {len(record.recordable(result.findings))} change(s): review "
            f"it; this database already has them: record it as applied with `{written.mark_applied}`; other "
            "databases get it from `pgwarden migrate up`.\n"
            if written
            else "Nothing to record: no finding has the migrations as the side that lags.\n"
        )
    url = cfg.db_url()
    against = [s.name for s in result.sources]  # an Alembic chain with its head revision
    if cfg.expect:
        against.append("declared objects")
    if result.invariants:
        n = len(result.invariants)
        against.append(f"{n} invariant{'s' if n != 1 else ''}")
    title = f"pgwarden check: {describe(url or '')} against " + ", ".join(against)
    formats.render(
        result.findings,
        fmt,
        state.out,
        color=state.color,
        title=title,
        extra={
            "database": describe(url or ""),
            "sources": [s.label for s in result.sources],
            "alembic_heads": {s.label: list(s.heads) for s in result.sources if s.heads},
            "invariants": [summary(o) for o in result.invariants],
            **(
                {"accepted_file": str(result.accepted_file), **accepted.summary(result.findings)}
                if result.accepted_file
                else {}
            ),
        },
    )
    return findings_module.exit_code(result.findings, strict=strict)


def builds_for_certain(cfg: Config) -> bool:
    """Whether the models or migrations will be built on a scratch server whatever their cache keys:
    the schema cache is off or holds no entry at all (a first run, a fresh CI runner). Then the
    server can start before anything else is known; otherwise it starts when a key misses."""
    if not (cfg.models or cfg.migrations):
        return False
    return not cache_enabled() or not cache_holds_entries("schemas")


def _alembic_preload(migrations: Path) -> None:
    """Alembic imported while the models' build waits for the scratch server, when the migrations
    (built next, for certain) are an Alembic environment."""
    from ..migrate.alembic_scripts import is_alembic

    if is_alembic(migrations):
        from ..migrate.alembic_run import preload

        preload()
