"""Which reads the console runs, composed from the configuration like ``pgwarden check`` composes providers.

The quick reader takes one READ ONLY transaction for everything in schema pgwarden; the slow ones
run the schema check (``orchestrator.run_check``, read-only on the live database), the invariants
(each in its own READ ONLY transaction), the backups' health provider and the doctor on the logs.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from ..backup import BackupHealthProvider
from ..backup.manifest import scan
from ..backup.settings import configured as backup_settings
from ..checks import Outcome, load_invariants, run_outcomes
from ..checks.instances import evaluate
from ..config import Config
from ..doctor.reader import LogSource
from ..doctor.report import LogReport
from ..errors import PgwardenError
from ..findings import Finding
from ..migrate.source import MigrationFile, discover
from ..providers import Context, collect
from ..urls import describe
from . import panels_history, panels_ops, panels_schema, panels_service
from .model import Panel
from .read import Service, read_service
from .state import Reader

__all__ = ["CheckFailed", "Options", "apart", "checked_apart", "placeholders", "readers"]


@dataclass(frozen=True)
class Options:
    refresh: float = 10.0
    """Seconds between reads of the service's tables (and the page's own refresh)."""
    slow_every: float = 300.0
    """Seconds between schema checks, invariant runs and log scans."""
    logs: tuple[LogSource, ...] = ()
    log_window: float = 24 * 3600.0
    """The doctor reads only the last day of the logs: a huge log costs one scan of a day's lines."""


def readers(cfg: Config, url: str, options: Options) -> list[Reader]:
    """The readers for ``cfg``: what is not configured still gets a panel saying so."""
    state = _Shared()
    timeout = cfg.connect_timeout
    database = describe(url)
    invariants = load_invariants(cfg)

    def service() -> list[Panel]:
        current = read_service(url, database=database, timeout=timeout)
        state.service = current
        files, problem = _files(cfg)
        found = evaluate(current.status)
        panels = [
            panels_service.instances(current, found),
            panels_service.data_loss(current, found),
            panels_service.takeovers(current),
            panels_history.timeline(current),
            panels_schema.migrations(current, files, problem=problem),
        ]
        if state.outcomes is not None or not invariants:
            # Before the invariants' first run ends, their panel says it is running (a summary of the
            # guardian's history alone would read as the answer).
            panels.append(
                panels_schema.invariants(
                    current, state.outcomes, state.outcomes_at, configured=bool(invariants)
                )
            )
        return panels

    def check() -> list[Panel]:
        if not cfg.has_schema_source:
            return [panels_schema.check(None, None, configured=False)]
        findings, seconds = checked_apart(cfg)
        return [panels_schema.check(findings, _now(), configured=True, seconds=seconds)]

    def run_invariants() -> list[Panel]:
        state.outcomes = run_outcomes(url, invariants, timeout=timeout)
        state.outcomes_at = _now()
        return [
            panels_schema.invariants(
                state.service or Service(_now(), database), state.outcomes, state.outcomes_at
            )
        ]

    def backups() -> list[Panel]:
        settings = backup_settings(cfg)
        if settings is None:
            return [panels_ops.backups(None, [], _now(), max_age=0)]
        directory = settings.directory(cfg.where)
        found = collect((BackupHealthProvider(),), Context(cfg, url))
        return [
            panels_ops.backups(scan(directory), found, _now(), max_age=settings.max_age, where=str(directory))
        ]

    def incidents() -> list[Panel]:
        labels = [s.label for s in options.logs]
        if not options.logs:
            return [panels_ops.incidents(None, _now(), sources=labels)]
        since = _now() - timedelta(seconds=options.log_window)
        report = apart(_scan, list(options.logs), since)
        if isinstance(report, str):  # an unreadable log is said on its panel, the rest stays up
            return [panels_ops.incidents(None, _now(), sources=labels, problem=report)]
        return [panels_ops.incidents(report, _now(), sources=labels)]

    chosen = [
        Reader(
            "service",
            service,
            options.refresh,
            keys=("instances", "data-loss", "takeovers", "timeline", "migrations"),
        ),
        Reader("backups", backups, max(options.refresh, 60.0) if backup_settings(cfg) else options.refresh),
        Reader("check", check, options.slow_every),
        Reader("incidents", incidents, options.slow_every),
    ]
    if invariants:
        chosen.append(Reader("invariants", run_invariants, min(options.slow_every, 60.0)))
    return chosen


SERVICE_PANELS = {
    "instances": "Instances",
    "data-loss": "Data-loss alarm",
    "migrations": "Migrations",
    "takeovers": "Takeovers",
    "timeline": "Timeline",
    "backups": "Backups",
}


def placeholders(cfg: Config) -> list[Panel]:
    """What the page shows for each panel until its first read succeeds."""
    return [
        *(Panel(key, title, None, "Not read yet.") for key, title in SERVICE_PANELS.items()),
        panels_schema.check(None, None, configured=cfg.has_schema_source),
        Panel("incidents", "Incidents in the logs", None, "Reading the logs…"),
        Panel("invariants", "Invariants", None, "Running the invariants…"),
    ]


class CheckFailed(PgwardenError):
    """The schema check could not run (its sentence comes from the process that ran it)."""


T = TypeVar("T")


def apart(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` computed in a child process.

    Comparing thousands of tables builds two whole schemas, and a day of logs a scanner's state;
    in a child their memory goes back to the system when it exits, so the long-running console
    stays at its resting size. ``spawn``: the console runs threads, which ``fork`` does not copy.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(work, *args).result()


def checked_apart(cfg: Config) -> tuple[list[Finding], float]:
    """The schema check's findings and seconds, computed in a child process."""
    outcome = apart(_check, cfg)
    if isinstance(outcome, str):
        raise CheckFailed(outcome)
    return outcome


def _scan(sources: list[LogSource], since: datetime) -> LogReport | str:
    """Runs in the child: the doctor's report on ``sources``, or the sentence saying which one is unreadable."""
    from ..doctor import analyze

    try:
        return analyze(sources, since=since)
    except PgwardenError as exc:
        return str(exc)


def _check(cfg: Config) -> tuple[list[Finding], float] | str:
    """Runs in the child: the findings and seconds, or the sentence of the error that stopped it."""
    from ..orchestrator import run_check  # here only: the console itself never loads the catalog and diff

    try:
        result = run_check(cfg, invariants=False, operations=False)
    except PgwardenError as exc:
        return str(exc)
    return result.findings, result.seconds


@dataclass
class _Shared:
    """What one reader leaves for another: the invariants' last outcomes are shown beside the samples."""

    service: Service | None = None
    outcomes: Sequence[Outcome] | None = None
    outcomes_at: datetime | None = None


def _files(cfg: Config) -> tuple[list[MigrationFile] | None, str | None]:
    if cfg.migrations is None:
        return None, None
    try:
        return discover(cfg.migrations), None
    except PgwardenError as exc:
        return None, str(exc)


def _now() -> datetime:
    return datetime.now(timezone.utc)
