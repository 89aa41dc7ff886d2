"""The orchestrator behind ``pgwarden check``: every configured capability's findings, composed.

It compares every configured expected-schema source with the live database and adds
what the other capabilities (invariants, instances, backups) say through their findings
providers. Nothing below it imports it: backup verification is handed the check it
runs (``copy_check``); the runtime and the CLI, above it, call it.

With models, migrations and a live database all configured the comparison is
three-way, and each finding says where the disagreement lies: the models and
the migrations (a model changed without a migration, or lags behind them), or
the migrations and the live database (a migration not applied, or a change
made by hand).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import psycopg

from . import phases
from .catalog import Schema, inspect_with_privileges, serialize
from .checks import (
    Invariant,
    InvariantsProvider,
    Outcome,
    accepted,
    declared,
    enforcement,
    load_invariants,
    telegram_ids,
)
from .checks.live_grants import read_grants
from .checks.opening import opened
from .checks.run import finding as invariant_finding
from .checks.run import run_all
from .config import Config
from .contract import Expected, integer_keys, sides, three_states
from .contract.configured import load_configured
from .contract.ledgers import not_ledgers, version_table_patterns
from .db import connect
from .diff import Change, diff, to_findings
from .errors import UsageError
from .findings import Finding
from .migrate.sources import open_source
from .operations import operations_findings, skipped
from .pending_fixes import defer_to_pending
from .providers import Context
from .scratch import LazyScratch, Scratch

if TYPE_CHECKING:
    from .backup import CopyCheck


@dataclass
class CheckResult:
    """What ``run_check`` found: the findings, the live schema it read, and each source's view."""

    findings: list[Finding]
    live: Schema
    sources: list[Expected] = field(default_factory=list)
    fixable: list[Change] = field(default_factory=list)
    """Changes whose fix turns the live database into the expected schema (for ``--fix``)."""
    seconds: float = 0.0
    invariants: list[Outcome] = field(default_factory=list)
    """One outcome per invariant that ran (clean ones too: counts, timings, lag percentiles)."""
    accepted_file: Path | None = None
    """The accepted-drift file that was applied, when there is one."""


def accepted_file(cfg: Config) -> Path:
    """The accepted-drift file: the ``accepted`` setting, else ``pgwarden-accepted.json`` beside the config."""
    return cfg.accepted or cfg.root / accepted.DEFAULT_NAME


MODEL_AHEAD = "Model changed without a migration"
MODEL_BEHIND = "Model lags behind the migrations"
MODEL_DISAGREES = "Models and migrations disagree"
LIVE_BEHIND = "Live database differs from the migrations"
"""A migration not applied to the live database, or a change made there by hand."""

_EXPLAIN = {
    MODEL_AHEAD: "the models have it, no migration creates it: write a migration (the fix SQL is its body)",
    MODEL_BEHIND: "a migration creates it, the models do not have it: update the models",
    MODEL_DISAGREES: "the models and the migrations describe it differently: decide which is right",
    LIVE_BEHIND: "a migration was not applied to the live database, or someone changed it by hand",
}


def covered(changes: Iterable[Change], source: Expected) -> list[Change]:
    """Only the changes about objects ``source`` can describe (models know no triggers)."""
    return [c for c in changes if c.object_type in source.covers]


def run_check(
    cfg: Config,
    *,
    update_snapshot: bool = False,
    scratch: Callable[[], Scratch] | None = None,
    invariants: bool = True,
    operations: bool = True,
    baseline: bool = True,
    verify: bool = False,
) -> CheckResult:
    """Read the live database (read-only) and compare it with every configured source.

    ``scratch`` provides the throwaway server that models and migrations are applied to;
    by default one is started when needed and stopped afterwards. Configured invariants
    run afterwards (unless ``invariants`` is false), each in its own read-only transaction.
    With ``operations``, what the running service and its backups say is added: instances
    registered by ``pgwarden run`` (not ready, data loss, stale code, silent, no leader) and
    the health of the backups when ``backup.dir`` is set. The schema gate and a backup's
    verification check a schema, not a service: they pass ``invariants=False, operations=False``.
    With ``baseline`` (the default) the findings recorded in the accepted-drift file are turned
    into info (``checks/accepted.py``); ``check --accept`` passes ``False`` to see them all.
    With ``verify``, every drift fix is tried on a scratch copy of the live schema first
    (``fix_verify``): one that fails or leaves its finding is withdrawn from ``fix_sql``.
    """
    started = time.monotonic()
    url = cfg.db_url()
    assert url is not None
    phases.mark("database URL found")  # a settings object named by `database_url` is imported here
    checks: list[Invariant] = load_invariants(cfg) if invariants else []
    if not (cfg.has_schema_source or checks):
        raise UsageError(
            f"Nothing to check the database against: set `models`, `migrations`, `snapshot`, "
            f"[[expect.*]] or [[invariants]] in {cfg.where} (or pass --models / --migrations)."
        )
    # One connection for every read (each in its own transaction): a login per read costs a new
    # server backend each time, a large part of a warm check's wall time.
    with connect(url, timeout=cfg.connect_timeout, autocommit=True) as conn:
        phases.mark("connected to the live database")
        grant: str | None | EllipsisType = ...  # may the role read schema pgwarden? (... = not asked yet)
        registered: bool | None = None  # has an instance registered? (None = not asked yet)
        if cfg.has_schema_source:
            result, grant, registered = _check_schema(
                cfg,
                conn,
                update_snapshot=update_snapshot,
                scratch=scratch,
                verify=verify,
                operations=operations,
            )
        else:
            result = CheckResult(findings=[], live=Schema())
        if checks:
            result.invariants = run_all(conn, checks)
            result.findings += [f for f in map(invariant_finding, result.invariants) if f is not None]
            phases.mark(f"{len(checks)} invariant(s) run")
        if operations:
            result.findings += operations_findings(cfg, url, conn, grant, registered=registered)
            phases.mark("the running service's and the backups' state read")
    if baseline:
        _with_baseline(cfg, result)
    result.seconds = time.monotonic() - started
    return result


def _with_baseline(cfg: Config, result: CheckResult) -> None:
    """The findings recorded in the accepted-drift file turned into info (``checks/accepted.py``)."""
    path = accepted_file(cfg)
    entries = accepted.read(path)
    if entries is not None:
        result.findings = accepted.apply(result.findings, entries, path)
        result.accepted_file = path


@dataclass(frozen=True)
class ContractCheck:
    """The check the runtime's schema gate runs: the schema, not the data (invariants are repaired
    while the service runs, and the gate checks a schema, not a service)."""

    name: str = "contract"

    def findings(self, ctx: Context) -> list[Finding]:
        cfg = ctx.cfg.with_overrides(database_url=ctx.url)
        if ctx.conn is None or not cfg.has_schema_source:
            return run_check(cfg, invariants=False, operations=False).findings
        # On the caller's connection (the gate's, which has just read the ledger): a login less.
        result, _, _ = _check_schema(
            cfg, ctx.conn, update_snapshot=False, scratch=None, verify=False, operations=False
        )
        _with_baseline(cfg, result)
        return result.findings


def copy_check(cfg: Config) -> CopyCheck:
    """The check a backup's verification runs on its restored copy: the schema, then the invariants."""

    def check(target: str, scratch: Scratch) -> list[Finding]:
        found: list[Finding] = []
        if cfg.has_schema_source:
            found += run_check(
                cfg.with_overrides(database_url=target),
                scratch=lambda: scratch,
                invariants=False,  # run once, below, also when no schema source is configured
                operations=False,  # the copy has no instances and is not the backups' database
            ).findings
        found += InvariantsProvider().findings(Context(cfg, target))
        return found

    return check


def _check_schema(
    cfg: Config,
    conn: psycopg.Connection[Any],
    *,
    update_snapshot: bool,
    scratch: Callable[[], Scratch] | None,
    verify: bool,
    operations: bool,
) -> tuple[CheckResult, str | None | EllipsisType, bool | None]:
    """The schema's findings, whether the role may read schema pgwarden and whether an instance may
    have registered (both asked in the same transaction when the ledger or ``operations`` needs them:
    no transaction of their own later)."""
    # One READ ONLY transaction for the catalog and the ledger, so both describe the same moment.
    declared_names = [s.name for s in cfg.expect.settings]
    # The ledger says what it says of edited or missing files, failed runs, pending files; whether
    # its tables exist is asked in the opening round trip.
    source = open_source(cfg.migrations, read_only=True) if cfg.migrations else None
    tables = source.ledger_tables(conn) if source else ()
    with opened(conn, access=bool(source or operations), settings=declared_names, tables=tables) as first:
        grant = first.grant
        if source and isinstance(grant, str):
            ledger = [skipped("the migration ledger (edited, failed and pending files)", grant)]
        else:
            ledger = source.verify(conn, first.tables) if source else []
        # The catalog after the ledger (whose queries may name a version table without its schema):
        # its settings, an empty search_path among them, are left to the ROLLBACK, a round trip less.
        ignore = (*cfg.ignore, *version_table_patterns(cfg.migrations))
        live = inspect_with_privileges(conn, schemas=cfg.schemas, ignore=ignore, restore=False)
        grants = read_grants(
            conn, cfg.expect.grants, live
        )  # names everything (pg_catalog is always searched)
    phases.mark(f"live database read: the ledger and the catalog ({len(live.tables)} tables)")
    if update_snapshot and cfg.snapshot:
        serialize.write(live, cfg.snapshot)
    with LazyScratch(cfg.dev_url) as lazy:
        server = scratch or lazy
        sources = load_configured(cfg, server)
        phases.mark(f"expected schema ready: {', '.join(s.label for s in sources)}")
        result = compare(sources, live)
        phases.mark("compared")
        result.findings = defer_to_pending(result.findings, ledger, cfg.migrations)
        if verify and any(f.fix_sql for f in result.findings):
            from .fix_verify import verify_fixes  # planner and scratch copies: only for offered fixes

            again = lambda schema: compare(sources, schema).findings  # noqa: E731
            result.findings = verify_fixes(result.findings, live, again, server, sources=sources)
    result.findings += only_new(declared.check(cfg.expect, live), result.findings)
    result.findings += declared.check_settings(cfg.expect.settings, first.settings)
    result.findings += only_new(declared.check_grants(cfg.expect.grants, live, grants), result.findings)
    result.findings += ledger
    off = enforcement.findings(
        first.switched_off, schemas=cfg.schemas, ignore=cfg.ignore, declared_settings=declared_names
    )
    result.findings += only_new(off, result.findings)
    # A column the sources already expect wider is a type mismatch with its own fix.
    widened = {f.object for f in result.findings if f.kind == "type_mismatch"}
    result.findings += telegram_ids.findings(
        live, telegram_ids.options(cfg.sections, cfg.where), skip=widened, attributes=_attributes(sources)
    )
    return result, grant, first.registered


def compare(sources: list[Expected], live: Schema) -> CheckResult:
    """Findings of every source against ``live``; three-way when models and migrations are both given."""
    by_kind = {s.kind: s for s in sources}
    models, migrations = by_kind.get("models"), by_kind.get("migrations")
    attributes = models.attributes if models else {}
    findings: list[Finding] = []
    fixable: list[Change] = []
    if models and migrations:
        model_changes = covered(diff(models.schema, migrations.schema), models)
        model_items = [
            (
                c,
                _diagnosed(
                    f
                    if f.evidence.get("autoincrement") == "implicit"
                    else sides.model_side(
                        f,
                        _model_lags(c.kind) and not integer_keys.asks_for_sequence(c, model_changes),
                        migrations.heads,
                    ),
                    _model_diagnosis(c.kind),
                    "models_vs_migrations",
                ),
            )
            for c, f in integer_keys.soften(_paired(model_changes, attributes), attributes, "the migrations")
        ]
        # Where the models are ahead of the migrations, live may already have what the models have:
        # then the migration is what lags, and SQL undoing it on live would fight the models.
        ahead = {c.object for c in model_changes if not _model_lags(c.kind)}
        live_changes = not_ledgers(diff(migrations.schema, live))
        live_items = [
            (
                c,
                _diagnosed(
                    sides.from_source(
                        sides.least_destructive(c, f, models_have_it=c.object in ahead),
                        "migrations",
                        migrations.label,
                        migrations.heads,
                    ),
                    LIVE_BEHIND,
                    "migrations_vs_live",
                ),
            )
            for c, f in _paired(live_changes, attributes)
        ]
        # An object that differs in both comparisons is one finding with the three states.
        merged = three_states.merge(
            model_items, live_items, models_cover=models.covers, attributes=attributes
        )
        findings += merged.findings
        fixable = [c for c in live_changes if c.object not in ahead and c.object not in merged.not_live]
        rest = [s for s in sources if s.kind not in ("models", "migrations")]
    else:
        rest = sources
    for source in rest:
        changes = not_ledgers(covered(diff(source.schema, live), source))
        pairs = _paired(changes, attributes)
        if source.kind == "models":
            pairs = integer_keys.soften(pairs, attributes, "the database")
            # An implicit key's sequence is not the models' intent: never created on live by --fix.
            kept = {id(c) for c, f in pairs if f.evidence.get("autoincrement") != "implicit"}
            changes = [c for c in changes if id(c) in kept]
        findings += [
            sides.from_source(sides.least_destructive(c, f), source.kind, source.label, source.heads)
            for c, f in pairs
        ]
        if not fixable:
            fixable = changes
    return CheckResult(findings=sides.one_per_object(findings), live=live, sources=sources, fixable=fixable)


def _attributes(sources: list[Expected]) -> dict[str, str]:
    return {k: v for s in sources if s.kind == "models" for k, v in s.attributes.items()}


def _paired(changes: list[Change], attributes: Mapping[str, str]) -> list[tuple[Change, Finding]]:
    return [(c, f) for c in changes for f in to_findings([c], attributes=attributes)]


def _model_lags(kind: str) -> bool:
    """Whether the models are the side behind: the migrations have it, or have it otherwise."""
    return not (kind.startswith("missing_") or kind == "probable_rename")


def _model_diagnosis(kind: str) -> str:
    if kind.startswith("missing_") or kind == "probable_rename":
        return MODEL_AHEAD
    if kind.startswith("extra_"):
        return MODEL_BEHIND
    return MODEL_DISAGREES


def _diagnosed(finding: Finding, diagnosis: str, where: str) -> Finding:
    message = f"{diagnosis}: {finding.message[0].lower()}{finding.message[1:]}"
    evidence = {**finding.evidence, "where": where, "diagnosis": f"{diagnosis}: {_EXPLAIN[diagnosis]}"}
    return replace(finding, message=message, evidence=evidence)


def only_new(declared: Iterable[Finding], drift: Iterable[Finding]) -> list[Finding]:
    """Declared-object findings the drift comparison did not already make (with a fix)."""
    seen = {(f.kind, f.object) for f in drift}
    return [f for f in declared if (f.kind, f.object) not in seen]
