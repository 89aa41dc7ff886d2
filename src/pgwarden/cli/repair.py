"""``pgwarden repair``: preview, then fix, the rows that break an invariant, in short resumable batches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

import click

from .. import findings as findings_module
from .. import formats
from ..checks import Invariant, UnknownInvariant, load_invariants
from ..checks.options import options_from_config
from ..checks.row_repair import Progress, RepairResult, plan, repair
from ..checks.run import Outcome, finding
from ..errors import UsageError
from ..findings import Finding
from ..urls import describe
from ._state import State, db_option

__all__ = ["repair_command"]


def _choose(invariants: list[Invariant], names: Sequence[str], every: bool, where: str) -> list[Invariant]:
    repairable = [i for i in invariants if i.repair]
    if every:
        if names:
            raise UsageError("Give invariant names or --all, not both.")
        if not repairable:
            raise UsageError(f"No invariant in {where} has a `repair` query; nothing to repair.")
        return repairable
    if not names:
        listed = ", ".join(i.name for i in repairable) or "none"
        raise UsageError(f"Name the invariants to repair, or pass --all. Invariants with a repair: {listed}.")
    by_name = {i.name: i for i in invariants}
    chosen = []
    for name in names:
        inv = by_name.get(name)
        if inv is None:
            known = ", ".join(sorted(by_name)) or f"none are configured in {where}"
            raise UnknownInvariant(f"There is no invariant named {name!r}; known: {known}.")
        if not inv.repair:
            raise UsageError(
                f"Invariant {name!r} has no `repair` query ({inv.origin}); add one to let pgwarden fix its rows."
            )
        chosen.append(inv)
    return chosen


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class _Bar:
    """One status line on stderr: a carriage-return bar on a terminal, a line a second otherwise."""

    def __init__(self, err: IO[str], enabled: bool) -> None:
        self.err, self.enabled = err, enabled
        self.tty = bool(getattr(err, "isatty", lambda: False)())
        self.last = 0.0
        self.drawn = False

    def __call__(self, p: Progress) -> None:
        if not self.enabled or (not self.tty and p.elapsed - self.last < 1.0):
            return
        self.last = p.elapsed
        total = max(p.total, p.rows_seen)
        pct = 100.0 * p.rows_seen / total if total else 100.0
        width = 24
        filled = int(width * pct / 100)
        line = (
            f"pgwarden: repair {p.invariant} [{'#' * filled}{'.' * (width - filled)}] "
            f"{p.rows_seen:,}/{total:,} ({pct:.0f}%), batch {p.batch}, {p.rate:,.0f} rows/s, "
            f"ETA {_duration(p.eta)}"
        )
        self.err.write(("\r" + line) if self.tty else line + "\n")
        self.err.flush()
        self.drawn = self.tty

    def done(self) -> None:
        if self.drawn:
            self.err.write("\n")
            self.drawn = False


def _after_findings(outcomes: list[Outcome]) -> list[Finding]:
    return [f for f in map(finding, outcomes) if f is not None]


def _result_doc(r: RepairResult) -> dict[str, Any]:
    return {
        "invariant": r.invariant.name,
        "run_id": r.run_id,
        "status": r.status,
        "resumed_from": r.resumed_from,
        "batches": r.batches,
        "rows_seen": r.rows_seen,
        "rows_changed": r.rows_changed,
        "keys": r.keys,
        "seconds": round(r.seconds, 3),
        "check_seconds": round(r.check_seconds, 3),
        "rows_per_second": round(r.rate, 1),
        "remaining": r.after.count if r.after and r.after.error is None else None,
    }


@click.command("repair")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@db_option
@click.option("--all", "every", is_flag=True, help="Every invariant that has a `repair` query.")
@click.option(
    "--apply", "apply_", is_flag=True, help="Run the repair (default: a dry run that changes nothing)."
)
@click.option("--yes", is_flag=True, help="Same as --apply, for scripts.")
@click.option("--dry-run", is_flag=True, help="Only show the count, a sample and the SQL (the default).")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Violations per batch (default 1000, `repair.batch_size`).",
)
@click.option(
    "--max-rows", type=click.IntRange(min=1), help="Stop after this many violations; run again to go on."
)
@click.option(
    "--throttle", type=click.FloatRange(min=0), help="Seconds to pause between batches (default 0)."
)
@click.option("--lock-timeout", help="lock_timeout of each batch (default 2s).")
@click.option("--statement-timeout", help="statement_timeout of each statement (default 60s).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--progress/--no-progress", default=True, help="Show a progress line on stderr (text format).")
@click.pass_obj
def repair_command(
    state: State,
    names: tuple[str, ...],
    database_url: str | None,
    every: bool,
    apply_: bool,
    yes: bool,
    dry_run: bool,
    batch_size: int | None,
    max_rows: int | None,
    throttle: float | None,
    lock_timeout: str | None,
    statement_timeout: str | None,
    fmt: str,
    progress: bool,
) -> int:
    """Fix the rows that break an invariant: a dry run by default, batches with --apply.

    Each batch is a short transaction with lock_timeout: the next --batch-size violations
    (ordered by the check's first column) are visible to the invariant's `repair` query as
    the table `violations`; a checkpoint in pgwarden.repair_runs commits with the batch,
    so an interrupted repair resumes where it stopped. The check runs again at the end.
    Exit 0 when the invariants hold afterwards, 1 when violations remain or a batch failed.
    Defaults of the options may be set in [repair] (batch_size, max_rows, throttle,
    lock_timeout, statement_timeout, lock_wait, retries).
    """
    if dry_run and (apply_ or yes):
        raise UsageError("--dry-run and --apply contradict each other; pass one of them.")
    cfg = state.config(database_url=database_url)
    url = cfg.direct_db_url()  # the repair's lock is a session advisory lock: a direct URL where one exists
    assert url is not None
    options = options_from_config(
        cfg,
        batch_size=batch_size,
        max_rows=max_rows,
        throttle=throttle,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
    )
    chosen = _choose(load_invariants(cfg), names, every, cfg.where)
    if not (apply_ or yes):
        return _dry_run(state, url, chosen, fmt, options.batch_size, cfg.connect_timeout)
    results: list[RepairResult] = []
    for inv in chosen:
        bar = _Bar(state.err, progress and fmt == "text")
        try:
            result = repair(url, inv, options, timeout=cfg.connect_timeout, progress=bar)
        finally:
            bar.done()
        results.append(result)
        if fmt == "text":
            _say_result(state.out, result)
    after = _after_findings([r.after for r in results if r.after is not None])
    if fmt == "json":
        _json(state.out, {"database": describe(url), "repairs": [_result_doc(r) for r in results]}, after)
    else:
        formats.render(after, "text", state.out, color=state.color, title="pgwarden repair: check afterwards")
    return findings_module.exit_code(after)


def _say_result(out: IO[str], r: RepairResult) -> None:
    resumed = f", resumed after key {r.resumed_from}" if r.resumed_from is not None else ""
    out.write(
        f"{r.invariant.name}: {r.rows_seen:,} violations in {r.batches} batch{'es' if r.batches != 1 else ''}, "
        f"{r.rows_changed:,} rows changed in {r.seconds:.1f}s ({r.rate:,.0f} rows/s){resumed}; run {r.run_id} {r.status}.\n"
    )
    if r.status == "stopped":
        out.write(f"  stopped at --max-rows; run the same command again to continue from run {r.run_id}.\n")
    if r.after is not None and r.after.error is None:
        left = r.after.count
        out.write(f"  check afterwards: {left:,} violation{'s' if left != 1 else ''} left.\n")


def _dry_run(
    state: State, url: str, chosen: list[Invariant], fmt: str, batch_size: int, timeout: float
) -> int:
    plans = [plan(url, inv, timeout=timeout, batch_size=batch_size) for inv in chosen]
    found = _after_findings([p.before for p in plans])
    if fmt == "json":
        docs = [
            {
                "invariant": p.invariant.name,
                "count": p.before.count if p.before.error is None else None,
                "error": p.before.error,
                "key": p.before.key,
                "sample": p.before.sample,
                "statements": p.statements,
                "resumable": p.resumable,
            }
            for p in plans
        ]
        _json(state.out, {"database": describe(url), "dry_run": True, "repairs": docs}, found)
        return findings_module.exit_code(found)
    out = state.out
    for p in plans:
        inv = p.invariant
        if p.before.error is not None:
            out.write(f"{inv.name}: the check could not run: {p.before.error}\n\n")
            continue
        out.write(
            f"{inv.name}: {p.before.count:,} violation{'s' if p.before.count != 1 else ''} (key {p.before.key}).\n"
        )
        for row in p.before.sample:
            out.write("  " + ", ".join(f"{k}={v}" for k, v in row.items()) + "\n")
        if p.resumable:
            out.write(
                f"  an unfinished run ({p.resumable['run_id']}, {p.resumable['status']}) will resume after key "
                f"{p.resumable['last_key']}.\n"
            )
        out.write("  the repair would run:\n")
        for statement in p.statements:
            out.write("    " + statement.replace("\n", "\n    ") + "\n")
        out.write("\n")
    out.write("Dry run: nothing changed. Add --apply to repair.\n")
    return findings_module.exit_code(found)


def _json(out: IO[str], doc: dict[str, Any], found: list[Finding]) -> None:
    doc["findings"] = [f.to_dict() for f in findings_module.sort_findings(found)]
    doc["summary"] = findings_module.summarize(found)
    json.dump(doc, out, indent=2, default=str)
    out.write("\n")
