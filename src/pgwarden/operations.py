"""What the running service and its backups say, for ``check``: the operations half of its report.

Instances registered by ``pgwarden run`` (not ready, data loss, stale code, silent, no leader) and
the health of the backups when ``backup.dir`` is set, read through the check's connection. A role
that may not read schema pgwarden gets one finding naming the GRANT instead of a failed run.
"""

from __future__ import annotations

from types import EllipsisType
from typing import TYPE_CHECKING, Any

import psycopg

from . import codes
from .checks.instances import InstancesProvider
from .db import read_only_transaction
from .findings import Finding
from .privileges import pgwarden_schema_grant
from .providers import Context, FindingsProvider, collect

if TYPE_CHECKING:
    from .config import Config

__all__ = ["OPERATIONS", "operations_findings", "skipped"]


def skipped(what: str, grant: str) -> Finding:
    """A part of the check this role may not read: said, with the GRANT, instead of failing the run."""
    return codes.finding(
        "check_skipped",
        "pgwarden",
        f"Skipped {what}: this role may not read schema pgwarden.",
        f"Run {grant}; or check as the role that runs migrations. Everything else was checked.",
        source="drift",
        evidence={"grant": grant, "skipped": what},
    )


class _Backups:
    """The backups' health; the backup package (~0.1 s to import) is loaded only when ``[backup]``
    is in the configuration, as ``BackupHealthProvider`` says nothing without it."""

    name = "backups"

    def findings(self, ctx: Context) -> list[Finding]:
        if not ctx.cfg.sections.get("backup"):
            return []
        from .backup import BackupHealthProvider

        return BackupHealthProvider().findings(ctx)


OPERATIONS: tuple[FindingsProvider, ...] = (InstancesProvider(), _Backups())
"""What the running service and its backups say, in the order ``check`` reports it."""


def operations_findings(
    cfg: Config,
    url: str,
    conn: psycopg.Connection[Any],
    grant: str | None | EllipsisType = ...,
    *,
    registered: bool | None = None,
) -> list[Finding]:
    """Warnings and errors about the running instances and the backups (none when neither is set up),
    read through ``conn`` (an autocommit connection to ``url``).

    A role that may not read schema pgwarden gets one finding saying what was skipped and the GRANT
    (``grant``: ``pgwarden_schema_grant``'s answer when the caller has it, else it is asked here).
    ``registered``: whether an instance ever registered (``pgwarden.instances`` exists), when the
    caller knows: if not, there are none to read (a transaction of its own for nothing); if so,
    they are read without asking again."""
    if grant is ...:
        with read_only_transaction(conn):
            grant = pgwarden_schema_grant(conn)
    if grant:
        return [skipped("the running instances and the backups", grant)]
    providers = (
        OPERATIONS if registered is not False else tuple(p for p in OPERATIONS if p.name != "instances")
    )
    return collect(providers, Context(cfg, url, conn, registered))
