"""Drift a pending migration will fix: ``pgwarden migrate up``, not SQL typed by hand.

An object the migrations have and the live database lacks is most often a migration not yet
applied. SQL for live would then create it by hand, and the pending file would fail on "already
exists" when it runs. When the ledger says files are pending and one of them names the missing
object, the finding offers no live SQL (kept in ``evidence.live_sql``) and says which file to run.
Naming is a textual test (the object's own name as a whole word in the file's up part): a file
that only mentions the name still gets the advice, which is to run it, never to lose anything.
For an Alembic source, the pending revisions' ``upgrade()`` is read with ``ast``
(``migrate/alembic_creates.py``: ``op.create_table``, ``add_column``, ``create_index``, ...,
``op.execute`` SQL), without importing Alembic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
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
    if isinstance(states, dict) and "live" in states:
        return bool(states.get("live") == "absent" and states.get("migrations") == "present")
    return finding.kind.startswith("missing_")


def _pending(ledger: Sequence[Finding], migrations: Path) -> list[tuple[str, Callable[[str], bool]]]:
    """(what to name, does it create this object?) per pending file or Alembic revision, in order."""
    versions = {f.evidence.get("version") for f in ledger if f.kind == "pending_migration"}
    revisions = {f.evidence.get("revision") for f in ledger if f.kind == "pending_migration"}
    source = open_source(migrations, read_only=True)
    if source.kind != "alembic":
        return [
            (f.path.name, partial(_names, f.sql))
            for f in getattr(source, "files", ())
            if f.version in versions
        ]
    out: list[tuple[str, Callable[[str], bool]]] = []
    for m in source.migrations():
        if m.id in revisions:
            out.append((f"Alembic revision {m.id} ({m.path.name})", partial(_in, created(m.path))))
    return out


def _names(text: str, obj: str) -> bool:
    return _creates(text, _name(obj))


def _in(made: Created, obj: str) -> bool:
    """Whether an Alembic revision's ``upgrade()`` creates ``obj`` (``schema.table[.column]``, an index...)."""
    parts = [p.strip('"').lower() for p in obj.split(".")]
    if parts[-1] in made.names or ".".join(parts[-2:]) in made.names:
        return True
    return any(_creates(text, _name(obj)) for text in made.sql)


def defer_to_pending(
    findings: Sequence[Finding], ledger: Sequence[Finding], migrations: Path | None
) -> list[Finding]:
    """``findings`` with the live SQL of objects a pending migration names replaced by `migrate up`."""
    if migrations is None or not any(f.kind == "pending_migration" for f in ledger):
        return list(findings)
    if not any(_missing_live(f) for f in findings):
        return list(findings)
    files = _pending(ledger, migrations)
    if not files:
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        file = next(
            (name for name, creates in files if _missing_live(finding) and creates(finding.object)), None
        )
        if file is None:
            out.append(finding)
            continue
        lags = finding.evidence.get("lags")
        models = (
            " The models lack it too: change them to what the migrations have."
            if (isinstance(lags, list) and "models" in lags)
            else ""
        )
        out.append(
            replace(
                finding,
                fix_sql=None,
                hint=f"{file} is pending and creates it: run `pgwarden migrate up` (see `pgwarden migrate "
                f'up --dry-run` first), not SQL by hand, which would make that file fail on "already exists".{models}',
                evidence={**finding.evidence, "live_sql": finding.fix_sql, "pending": file},
            )
        )
    return out
