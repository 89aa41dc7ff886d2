"""The migration that records what no migration has: a change made on live by hand, or in the models.

Where the three-way comparison finds the migrations lagging (the models and the live database
agree on something no migration creates, or the models are ahead), the finding carries the SQL a
migration would hold (``evidence.migration_sql``, or its ``fix_sql`` for a model ahead). Here
those bodies become the next ``NNN_name.sql`` file, created by ``migrate.status.new_file``, or
the next Alembic revision (``migrate.alembic_new``: each body in ``op.execute``), so that the
migrations catch up with what the database and the code already have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .findings import Finding
from .migrate.alembic_scripts import is_alembic
from .migrate.source import discover, show_path
from .migrate.status import new_file

__all__ = ["Recorded", "body", "recordable", "write"]


@dataclass(frozen=True)
class Recorded:
    """The migration written, and the command that records it as applied on this database."""

    path: Path
    mark_applied: str


def _sql(finding: Finding) -> str | None:
    sql = finding.evidence.get("migration_sql")
    if isinstance(sql, str) and sql.strip():
        return sql.strip()
    if finding.evidence.get("fix_is") == "migration body" and finding.fix_sql:
        return finding.fix_sql.strip()
    return None


def recordable(findings: Sequence[Finding]) -> list[Finding]:
    """The findings whose lagging side is the migrations, with the SQL that records them."""
    return [f for f in findings if f.evidence.get("lags") == "migrations" and _sql(f) is not None]


def body(findings: Sequence[Finding]) -> str:
    """The file's statements, each after a comment naming the finding it records."""
    parts: list[str] = []
    for finding in recordable(findings):
        parts.append(f"-- {finding.code} {finding.object}\n{_sql(finding)}\n")
    return "\n".join(parts)


def write(folder: Path | None, name: str, findings: Sequence[Finding]) -> Recorded | None:
    """Create the next migration in ``folder`` with what ``findings`` record; ``None`` if nothing."""
    if folder is not None and is_alembic(folder):
        return _revision(folder, name, findings)
    if folder is None or not folder.is_dir():
        where = show_path(folder) if folder is not None else "no `migrations` setting"
        raise UsageError(
            f"--record-migration writes the next migration and needs a folder of SQL migrations or an Alembic "
            f"environment ({where}): set `migrations` in the config or pass --migrations."
        )
    text = body(findings)
    if not text:
        return None
    path = new_file(folder, discover(folder), name)
    head = path.read_text(encoding="utf-8")
    path.write_text(
        head + "-- Recorded by `pgwarden check --record-migration`: what the live database and the models\n"
        "-- already have and no migration created. Review it before committing.\n\n" + text,
        encoding="utf-8",
    )
    version = int(path.name.split("_", 1)[0])
    return Recorded(path, f"pgwarden migrate repair --mark-applied {version}")


def _revision(where: Path, name: str, findings: Sequence[Finding]) -> Recorded | None:
    from .migrate.alembic_new import Statement, write_revision

    found = recordable(findings)
    if not found:
        return None
    note = "Recorded by `pgwarden check --record-migration`: what the live database and the models already\n"
    note += "have and no revision created. Review it before committing."
    statements = [Statement("", comment=note)] + [
        Statement(_sql(f) or "", comment=f"{f.code} {f.object}") for f in found
    ]
    written = write_revision(where, name, statements)
    # baseline checks that the live schema is what the chain builds up to the revision, then stamps it.
    return Recorded(written.path, f"pgwarden migrate baseline --revision {written.revision}")
