"""``pgwarden demo``: the incidents, replayed on an embedded PostgreSQL, found and fixed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import psycopg
from rich.text import Text

from .. import config as config_module
from .. import findings as findings_module
from .. import formats
from .._text import console_for
from ..checks import load_invariants
from ..checks.row_repair import repair
from ..db import connect
from ..diff import render_sql
from ..doctor import analyze
from ..doctor.reader import LogSource
from ..doctor.report import render_text as render_doctor
from ..errors import UsageError
from ..lint import lint_paths
from ..lint.report import render_text as render_lint
from ..lint.settings import settings_from
from ..orchestrator import run_check
from ..scratch import open_scratch
from ._state import State, format_option


def find_example() -> Path | None:
    """examples/telegram_bot in the source tree pgwarden runs from."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples" / "telegram_bot"
        if (candidate / "pgwarden.toml").is_file():
            return candidate
    return None


@click.command()
@click.option("--fix", is_flag=True, help="Apply the fixes pgwarden proposes, then check again.")
@click.option(
    "--example",
    type=click.Path(file_okay=False, exists=True),
    help="The sample project to use (default: examples/telegram_bot).",
)
@format_option
@click.pass_obj
def demo(state: State, fix: bool, example: str | None, fmt: str) -> int:
    """Replay the incidents on an embedded PostgreSQL: a renamed column, missing triggers, a legacy table.

    Builds a "production" database in its drifted state, runs `pgwarden check` against the
    sample bot's models and migrations, and prints what is wrong and how to fix it.
    With --fix, applies the fixes and shows `check` clean.
    """
    folder = Path(example) if example else find_example()
    if folder is None:
        raise UsageError(
            "The demo's sample project (examples/telegram_bot) is not next to this installation; "
            "run the demo from a clone of pgwarden, or pass --example DIR."
        )
    console = console_for(state.out, state.color)
    say = console.print if fmt == "text" else (lambda *a, **k: None)
    started = time.monotonic()
    say(f"[bold]pgwarden demo[/bold] — sample project: {folder}")
    with open_scratch() as scratch:
        version = f"PostgreSQL {scratch.version}" if scratch.version else "PostgreSQL"
        say(f"Started a throwaway {version} in {time.monotonic() - started:.1f}s.")
        production = scratch.create_database("production")
        with connect(production, autocommit=True, what="demo database") as conn:
            conn.execute((folder / "production.sql").read_text(encoding="utf-8"))
        say(
            "Built the [bold]production[/bold] database as the incidents left it: an old column name, "
            "a disabled and a missing trigger (so active bookings without chat rooms), a legacy jobs table.\n"
        )
        cfg = config_module.load(folder / "pgwarden.toml").with_overrides(database_url=production)
        result = run_check(cfg, scratch=lambda: scratch)
        formats.render(result.findings, fmt, state.out, color=state.color, title="$ pgwarden check")
        say(f"[dim](check took {result.seconds:.2f}s)[/dim]")
        if fmt == "text":
            _lint(cfg, state)
            _doctor(folder, state)
        if not fix:
            say("\nRun [bold]pgwarden demo --fix[/bold] to apply these fixes and check again.")
            return findings_module.exit_code(result.findings)
        script = render_sql(result.fixable)
        say("\n[bold]$ applying the fixes[/bold] (pgwarden diff --from <production> --to migrations:… --sql)")
        say(Text(script.strip(), style="green"))
        with connect(production, autocommit=True, what="demo database") as conn:
            try:
                with conn.transaction():
                    conn.execute(script)
            except psycopg.Error as exc:
                raise UsageError(f"Applying the demo's fixes failed: {exc}".strip()) from None
        _repair(cfg, production, result.findings, say)
        after = run_check(cfg, scratch=lambda: scratch)
        say("")
        formats.render(after.findings, fmt, state.out, color=state.color, title="$ pgwarden check")
        say(f"[dim](whole demo took {time.monotonic() - started:.1f}s)[/dim]")
        return findings_module.exit_code(after.findings)


def _repair(cfg: config_module.Config, url: str, found: list[findings_module.Finding], say: Any) -> None:
    """The triggers are back, but rows they missed stay missing: repair every violated invariant."""
    violated = {f.kind for f in found if f.source == "invariant"}
    for inv in load_invariants(cfg):
        if inv.name in violated and inv.repair is not None:
            say(f"\n[bold]$ pgwarden repair {inv.name} --apply[/bold]")
            done = repair(url, inv)
            say(f"{done.rows_changed} rows written in {done.batches} batch(es), {done.seconds:.2f}s.")


def _lint(cfg: config_module.Config, state: State) -> None:
    """Incident 000 seen before the migrations ever ran: the lint's errors.

    (005_jobs.sql is incident 004's fixed migration: its columns are added with ADD COLUMN IF NOT
    EXISTS before the indexes use them, so the chain-aware lint has no error to show there.)
    """
    assert cfg.migrations is not None
    found = lint_paths([cfg.migrations], settings_from(cfg))
    errors = [f for f in found if f.severity is findings_module.Severity.ERROR]
    hidden = len(found) - len(errors)
    state.out.write("\n")
    render_lint(
        errors,
        state.out,
        color=state.color,
        title=f"$ pgwarden lint migrations   (errors only; {hidden} warnings not shown)",
    )


def _doctor(folder: Path, state: State) -> None:
    """Incidents 000 and 002 in the bot's own log."""
    log = folder / "logs" / "bot.log"
    state.out.write(f"\n$ pgwarden doctor logs {log.relative_to(folder)}\n")
    render_doctor(analyze([LogSource("file", str(log))], jobs=1), state.out, color=state.color, max_groups=3)
