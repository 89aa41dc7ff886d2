"""Panels about the schema: the three-way check with fix SQL, the migration ledger, the invariants over time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from ..checks import Outcome
from ..findings import Finding
from ..migrate.source import MigrationFile
from .model import Cell, Chart, Panel, Table, findings_tone, tone_of, worst
from .panels_service import when
from .read import Sample, Service

__all__ = ["check", "invariants", "migrations"]

PLACE = re.compile(r"^\S+\.(?:sql|py):\d+(?::\d+)?: ")
"""The file and position an error starts with: the row already names the migration."""


def check(
    findings: Sequence[Finding] | None, read_at: datetime | None, *, configured: bool, seconds: float = 0.0
) -> Panel:
    """The schema check (models, migrations, live database): each finding with where it lies and its fix."""
    if not configured:
        return Panel(
            "check",
            "Schema check",
            read_at,
            "Not configured.",
            missing="not configured: set `models`, `migrations` or `snapshot` in the config",
        )
    if findings is None:
        return Panel("check", "Schema check", None, "Running the first check…")
    rows = tuple(
        (
            Cell(f.severity.value, tone_of(f.severity)),
            Cell(f.object),
            Cell(f.message + (f" {f.hint}" if f.hint else "")),
            Cell(f.fix_sql or "", code=bool(f.fix_sql)),
        )
        for f in findings
    )
    fixes = sum(1 for f in findings if f.fix_sql)
    summary = (
        f"{len(findings)} difference(s), {fixes} with a fix."
        if findings
        else "The live database matches the code."
    )
    return Panel(
        "check",
        "Schema check",
        read_at,
        summary,
        findings_tone(findings) or "ok",
        tables=(Table("Findings", ("Severity", "Object", "What and why", "Fix SQL"), rows, "No findings."),),
        seconds=seconds,
    )


def migrations(
    service: Service, files: Sequence[MigrationFile] | None, *, problem: str | None = None
) -> Panel:
    """Applied, failed and pending migrations, with how long each took."""
    ledger = service.ledger or []
    recorded = {m.version for m in ledger}
    rows = [
        (
            Cell(str(m.version)),
            Cell(m.name),
            Cell("applied" if m.success else "FAILED", "ok" if m.success else "bad"),
            Cell(when(m.applied_at)),
            Cell(f"{m.duration_ms} ms"),
            Cell(PLACE.sub("", m.error or "", count=1)),
        )
        for m in ledger
    ]
    pending = [f for f in files or () if f.version not in recorded]
    rows += [
        (Cell(str(f.version)), Cell(f.name), Cell("pending", "warn"), Cell("-"), Cell("-"), Cell(""))
        for f in pending
    ]
    failed = [m for m in ledger if not m.success]
    parts = [f"{len(ledger) - len(failed)} applied"]
    if failed:
        parts.append(f"{len(failed)} failed")
    if files is not None:
        parts.append(f"{len(pending)} pending")
    missing = f"needs grant: {service.grant}" if service.grant else None
    if service.ledger is None and not pending and missing is None:
        missing = "no migration has run under `pgwarden migrate` in this database"
    return Panel(
        "migrations",
        "Migrations",
        service.read_at,
        ", ".join(parts) + ".",
        "bad" if failed else ("warn" if pending else ("ok" if ledger else "")),
        tables=(
            Table(
                "Ledger and pending files",
                ("Version", "Name", "Status", "Applied", "Took", "Error"),
                tuple(rows),
            ),
        ),
        missing=missing,
        notes=(problem,) if problem else (),
    )


def invariants(
    service: Service, outcomes: Sequence[Outcome] | None, read_at: datetime | None, *, configured: bool = True
) -> Panel:
    """Each invariant's violations now and its lag, with the guardian's samples charted over the last day."""
    series: dict[str, list[Sample]] = {}
    for s in service.samples:
        series.setdefault(s.invariant, []).append(s)
    rows = []
    tones = []
    for o in outcomes or ():
        tone = tone_of(o.severity) if o.severity is not None else "ok"
        tones.append(tone)
        lag = (o.lag or {}).get("p95_seconds")
        rows.append(
            (
                Cell(o.invariant.name),
                Cell(o.error or str(o.count), tone),
                Cell("-" if lag is None else f"{float(lag):.1f} s"),
                Cell(f"{o.seconds * 1000:.0f} ms"),
            )
        )
    charts = []
    for name, samples in sorted(series.items()):
        charts.append(
            Chart(f"{name}: violations", "rows", tuple((s.at, _num(s.violations)) for s in samples))
        )
        if any(s.lag_p95 is not None for s in samples):
            charts.append(Chart(f"{name}: lag p95", "s", tuple((s.at, s.lag_p95) for s in samples)))
    notes: tuple[str, ...] = ()
    if not service.sampled:
        notes = ("No history yet: the active guardian records a sample each time it runs the invariants.",)
    if outcomes is None and not charts and not configured:
        return Panel(
            "invariants",
            "Invariants",
            read_at,
            "Not configured.",
            missing="not configured: declare [[invariants]] in the config",
        )
    read_at = read_at or (service.read_at if charts else None)
    broken = [o for o in outcomes or () if o.error is not None or o.count]
    summary = (
        f"{len(broken)} of {len(outcomes)} invariant(s) broken."
        if outcomes
        else "History from the guardian's samples."
    )
    return Panel(
        "invariants",
        "Invariants",
        read_at,
        summary,
        worst(tones),
        tables=(
            Table(
                "Now", ("Invariant", "Violations", "Lag p95", "Took"), tuple(rows), "No invariant ran yet."
            ),
        ),
        charts=tuple(charts),
        notes=notes,
    )


def _num(value: int | None) -> float | None:
    return None if value is None else float(value)
