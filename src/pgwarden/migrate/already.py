"""A database built from the migration files before pgwarden kept a ledger: which files it already holds.

``001_init.sql`` run by hand (or the models' ``create_all``) leaves a database whose schema is
what the files build, with no ledger saying so. Every file then looks pending; ``migrate up``
would fail on ``relation "users" already exists`` and advise fixing a file that is fine. Here
the live schema is compared with each prefix of the chain on a scratch database
(``propose``): when one matches, the advice is to record it with ``migrate baseline``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import psycopg

from .. import codes
from ..findings import Finding, Severity
from .foreign import detect

if TYPE_CHECKING:
    from ..scratch import Scratch
    from .source import MigrationFile

__all__ = ["Adoption", "adoption", "finding", "unrecorded"]


@dataclass(frozen=True)
class Adoption:
    """The live schema is what the files up to ``version`` build, and the ledger records none of them."""

    version: int
    first: str
    last: str
    later: int
    """Files after ``version``: what ``migrate up`` will run once these are recorded."""

    @property
    def advice(self) -> str:
        span = self.first if self.first == self.last else f"{self.first}…{self.last}"
        then = (
            f", then `pgwarden migrate up` runs the {self.later} file(s) after it"
            if self.later
            else "; nothing is left to run"
        )
        return (
            f"the schema already matches {span}: record them with "
            f"`pgwarden migrate baseline --version {self.version}`{then}"
        )


def unrecorded(conn: psycopg.Connection[Any], configured: tuple[str, str] | None = None) -> bool:
    """Whether a database whose pgwarden ledger the caller found without rows has tables and no
    other tool's ledger (read-only)."""
    if detect(conn, configured) or not _any_table(conn):
        return False
    # The catalog reader and the scratch comparison only for a database with tables but no ledger
    # at all: a migrate run on a fresh database, or one pgwarden already migrates, imports neither.
    from ..catalog import inspect
    from .propose import LEDGER_PATTERNS

    live = inspect(conn, ignore=LEDGER_PATTERNS)
    return bool(live.tables)


def _any_table(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(resources.files(__package__).joinpath("queries/any_table.sql").read_bytes()).fetchone()
    return bool(row and row[0])


def adoption(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    scratch: Callable[[], Scratch],
    configured: tuple[str, str] | None = None,
) -> Adoption | None:
    """The files the live schema already holds, else ``None``; for a database whose pgwarden ledger
    the caller found without rows.

    Only a database with tables and no ledger at all is compared (the scratch server is started
    for it alone), so a fresh database or one pgwarden already migrates costs one catalog read.
    """
    if not files or not unrecorded(conn, configured):
        return None
    from ..catalog import inspect
    from .propose import LEDGER_PATTERNS, propose

    found = propose(files, inspect(conn, ignore=LEDGER_PATTERNS), scratch())
    if found.version is None:
        return None
    held = [f for f in files if f.version <= found.version]
    return Adoption(found.version, held[0].filename, held[-1].filename, len(files) - len(held))


def finding(found: Adoption, *, refused: str | None = None, severity: Severity | None = None) -> Finding:
    """PW212: the files are recorded nowhere though the schema holds them; ``refused`` names the file ``up`` stopped at."""
    message = (
        f"{refused} was not run: the database already has what it creates, and no ledger records it."
        if refused
        else f"The migrations up to {found.last} are not recorded in the ledger, but the live schema already "
        "holds what they create."
    )
    return codes.finding(
        "unrecorded_migrations",
        found.last,
        message,
        f"The database was built before pgwarden kept its ledger: {found.advice}.",
        source="migrate",
        severity=severity,
        evidence={"version": found.version, "first": found.first, "last": found.last, "later": found.later},
    )
