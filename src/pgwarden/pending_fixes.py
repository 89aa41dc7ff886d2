"""Drift a pending or failed migration will fix: ``pgwarden migrate up``, not SQL typed by hand.

An object the migrations have and the live database lacks is most often a migration not yet
applied, or one whose last run failed. SQL for live would then create it by hand, and the file
would fail on "already exists" when it runs. When the ledger says files are pending (or failed)
and one of them names the missing object, the finding offers no live SQL (kept in
``evidence.live_sql``) and says which file to run (or, for a failed one, to fix and re-run, with
the error the ledger recorded). Alembic records no failed runs: a revision whose upgrade failed is
still pending, and gets the pending advice.
Naming is a textual test (the object's own name as a whole word in the file's up part): a file
that only mentions the name still gets the advice, which is to run it, never to lose anything.
For an Alembic source, the pending revisions' ``upgrade()`` is read with ``ast``
(``migrate/alembic_creates.py``: ``op.create_table``, ``add_column``, ``create_index``, ...,
``op.execute`` SQL), without importing Alembic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .findings import Finding
from .migrate.alembic_creates import Created, created
from .migrate.sources import open_source

__all__ = ["defer_to_pending"]

_LIVE = ("three_way", "migrations_vs_live")


def _name(obj: str) -> str:
    return obj.rsplit(".", 1)[-1].strip('"')


def _creates(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text, re.IGNORECASE) is not None


def _missing_live(finding: Finding) -> bool:
    if not finding.fix_sql or finding.evidence.get("where") not in _LIVE:
        return False
    states = finding.evidence.get("states")
    if finding.kind == "probable_rename":  # the object is the new name, which live lacks
        return True
    if isinstance(states, dict) and "live" in states:
        return bool(states.get("live") == "absent" and states.get("migrations") == "present")
    return finding.kind.startswith("missing_")


@dataclass(frozen=True)
class _Run:
    """A file or revision the ledger has not recorded as applied, and whether it creates an object."""

    name: str
    creates: Callable[[str], bool]
    failed: Finding | None = None
    """The ledger's ``failed_migration`` finding when its last run failed; ``None`` when pending."""


def _pending(ledger: Sequence[Finding], migrations: Path) -> list[_Run]:
    """Each pending (or failed) file or Alembic revision, in order."""
    versions = {f.evidence.get("version") for f in ledger if f.kind == "pending_migration"}
    failed = {
        f.evidence.get("version"): f
        for f in ledger
        if f.kind == "failed_migration" and f.evidence.get("version") is not None
    }
    revisions = {f.evidence.get("revision") for f in ledger if f.kind == "pending_migration"}
    source = open_source(migrations, read_only=True)
    if source.kind != "alembic":
        return [
            _Run(f.path.name, partial(_names, f.sql), failed.get(f.version))
            for f in getattr(source, "files", ())
            if f.version in versions or f.version in failed
        ]
    return [
        _Run(f"Alembic revision {m.id} ({m.path.name})", partial(_in, created(m.path)))
        for m in source.migrations()
        if m.id in revisions
    ]


def _names(text: str, obj: str) -> bool:
    return _creates(text, _name(obj))


def _in(made: Created, obj: str) -> bool:
    """Whether an Alembic revision's ``upgrade()`` creates ``obj`` (``schema.table[.column]``, an index...)."""
    parts = [p.strip('"').lower() for p in obj.split(".")]
    if parts[-1] in made.names or ".".join(parts[-2:]) in made.names:
        return True
    return any(_creates(text, _name(obj)) for text in made.sql)


_AT = re.compile(r"^\S+?:(?P<line>\d+):\d+: ")


def _advice(run: _Run, rename: bool) -> str:
    """What to do about an object ``run`` creates (or renames to): run it, or fix it and run it again."""
    does = "renames to it" if rename else "creates it"
    fails = ": the old name would be gone" if rename else ' on "already exists"'
    instead = f"not SQL by hand, which would make that file fail{fails}."
    if run.failed is None:
        return (
            f"{run.name} is pending and {does}: run `pgwarden migrate up` (see `pgwarden migrate up "
            f"--dry-run` first), {instead}"
        )
    error, done = run.failed.evidence.get("error"), run.failed.evidence.get("statements_done")
    what = f"stopped after statement {done}" if done is not None else "failed"
    why = "."
    if error:
        # The runner records "file:line:col: server error"; the file is named already.
        text = " ".join(str(error).split()).rstrip(".")
        at = _AT.match(text)
        why = f", at line {at['line']}: {text[at.end() :]}." if at else f": {text}."
    again = f" again (it resumes after statement {done})" if done is not None else " again"
    return (
        f"{run.name} {does} and {what} on its last run{why} Fix the file (or the data it stumbled on) "
        f"and run `pgwarden migrate up`{again}, {instead}"
    )


def defer_to_pending(
    findings: Sequence[Finding], ledger: Sequence[Finding], migrations: Path | None
) -> list[Finding]:
    """``findings`` with the live SQL of objects a pending or failed migration names replaced by `migrate up`."""
    waiting = ("pending_migration", "failed_migration")
    if migrations is None or not any(f.kind in waiting for f in ledger):
        return list(findings)
    if not any(_missing_live(f) for f in findings):
        return list(findings)
    runs = _pending(ledger, migrations)
    if not runs:
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        run = next((r for r in runs if _missing_live(finding) and r.creates(finding.object)), None)
        if run is None:
            out.append(finding)
            continue
        lags = finding.evidence.get("lags")
        models = (
            " The models lack it too: change them to what the migrations have."
            if (isinstance(lags, list) and "models" in lags)
            else ""
        )
        state = {"pending": run.name} if run.failed is None else {"failed": run.name}
        if run.failed is not None and run.failed.evidence.get("error"):
            state["error"] = str(run.failed.evidence["error"])
        out.append(
            replace(
                finding,
                fix_sql=None,
                hint=_advice(run, finding.kind == "probable_rename") + models,
                evidence={**finding.evidence, "live_sql": finding.fix_sql, **state},
            )
        )
    return out
