"""Drift a pending migration will fix: ``pgwarden migrate up``, not SQL typed by hand.

An object the migrations have and the live database lacks is most often a migration not yet
applied. SQL for live would then create it by hand, and the pending file would fail on "already
exists" when it runs. When the ledger says files are pending and one of them names the missing
object, the finding offers no live SQL (kept in ``evidence.live_sql``) and says which file to run.
Naming is a textual test (the object's own name as a whole word in the file's up part): a file
that only mentions the name still gets the advice, which is to run it, never to lose anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .findings import Finding
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


def defer_to_pending(
    findings: Sequence[Finding], ledger: Sequence[Finding], migrations: Path | None
) -> list[Finding]:
    """``findings`` with the live SQL of objects a pending migration names replaced by `migrate up`."""
    versions = {f.evidence.get("version") for f in ledger if f.kind == "pending_migration"}
    if migrations is None or not versions or not any(_missing_live(f) for f in findings):
        return list(findings)
    files = [
        f for f in getattr(open_source(migrations, read_only=True), "files", ()) if f.version in versions
    ]
    if not files:
        return list(findings)  # an Alembic project: its revisions are Python, left to `migrate status`
    out: list[Finding] = []
    for finding in findings:
        file = next(
            (f for f in files if _missing_live(finding) and _creates(f.sql, _name(finding.object))), None
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
                hint=f"{file.path.name} is pending and creates it: run `pgwarden migrate up` (see `pgwarden migrate "
                f'up --dry-run` first), not SQL by hand, which would make that file fail on "already exists".{models}',
                evidence={**finding.evidence, "live_sql": finding.fix_sql, "pending": file.path.name},
            )
        )
    return out
