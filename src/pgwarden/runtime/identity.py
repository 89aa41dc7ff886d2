"""The data-loss alarm (incident 003): pin the cluster's identity and a canary, then verify them every interval.

``observe`` reads the facts in a few cheap queries; ``Alarm.check`` (pure) compares them with
what this instance saw before and says what was lost, with the evidence. An instance never
recreates anything here: under the default policy ``halt`` it only reports.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from .leadership import AsyncConn

__all__ = ["Alarm", "Loss", "Observation", "Pin", "observe", "pin"]


@dataclass(frozen=True)
class Pin:
    system_identifier: str | None
    canary: UUID
    database_oid: int


@dataclass(frozen=True)
class Observation:
    system_identifier: str | None
    postmaster_start: datetime
    database_oid: int
    pin: Pin | None
    """The row of ``pgwarden.identity``; None when the table or the row is missing."""
    missing_tables: tuple[str, ...] = ()
    empty_tables: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    """Every table looked at (required and non-empty ones)."""
    non_empty: tuple[str, ...] = ()
    """The tables whose emptiness was looked at."""


@dataclass(frozen=True)
class Loss:
    kind: str
    """``cluster_replaced``, ``identity_lost``, ``database_replaced``, ``tables_missing``, ``tables_empty``."""
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_repin(self) -> bool:
        """Losses that do not heal by themselves: a person (or a policy) must accept the new database."""
        return self.kind in ("cluster_replaced", "identity_lost", "database_replaced")


_FACTS = """
SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system()),
       pg_catalog.pg_postmaster_start_time(),
       (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()),
       pg_catalog.to_regclass('pgwarden.identity') IS NOT NULL
"""
_FACTS_NO_CONTROL = _FACTS.replace(
    "(SELECT system_identifier::text FROM pg_catalog.pg_control_system())", "NULL::text"
)
_TABLES = """
SELECT t.name, n.nspname, c.relname
FROM unnest(%s::text[]) AS t(name)
LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name)
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
"""


async def observe(conn: AsyncConn, *, required: Sequence[str], non_empty: Sequence[str]) -> Observation:
    """The facts the alarm compares, read without writing anything."""
    try:
        row = await (await conn.execute(_FACTS.encode())).fetchone()
    except psycopg.errors.InsufficientPrivilege:  # pg_control_system() revoked: the canary still works
        row = await (await conn.execute(_FACTS_NO_CONTROL.encode())).fetchone()
    assert row is not None
    system_identifier, started, db_oid, has_identity = row
    if isinstance(system_identifier, bytes):  # a SQL_ASCII database hands text back as bytes
        system_identifier = system_identifier.decode("ascii", "replace")
    found: Pin | None = None
    if has_identity:
        pin_row = await (
            await conn.execute(
                b"SELECT system_identifier, canary, database_oid FROM pgwarden.identity WHERE id = 1"
            )
        ).fetchone()
        if pin_row is not None:
            pinned_id = pin_row[0].decode("ascii", "replace") if isinstance(pin_row[0], bytes) else pin_row[0]
            found = Pin(pinned_id, pin_row[1], int(pin_row[2]))
    missing: list[str] = []
    empty: list[str] = []
    names = list(dict.fromkeys((*required, *non_empty)))
    if names:
        rows = await (await conn.execute(_TABLES.encode(), (names,))).fetchall()
        for name, schema, table in rows:
            if table is None:
                missing.append(name)
            elif name in non_empty:
                query = sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(schema, table))
                has_rows = await (await conn.execute(query)).fetchone()
                if not (has_rows and has_rows[0]):
                    empty.append(name)
    return Observation(
        system_identifier=system_identifier,
        postmaster_start=started,
        database_oid=int(db_oid),
        pin=found,
        missing_tables=tuple(missing),
        empty_tables=tuple(empty),
        tables=tuple(names),
        non_empty=tuple(non_empty),
    )


_PIN = (
    b"INSERT INTO pgwarden.identity (id, system_identifier, canary, database_oid, pinned_by) "
    b"VALUES (1, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING"
)
_REPIN = _PIN.replace(
    b"DO NOTHING",
    b"DO UPDATE SET system_identifier = excluded.system_identifier, canary = excluded.canary, "
    b"database_oid = excluded.database_oid, pinned_at = now(), pinned_by = excluded.pinned_by",
)


async def pin(conn: AsyncConn, obs: Observation, *, replace: bool = False, canary: UUID | None = None) -> Pin:
    """Write the identity row (the canary) unless one is there; with ``replace``, accept the current database.

    ``canary`` keeps a known canary across a deliberate re-pin, so running instances adopt the new pin.
    The row ``obs`` read is the pin when there was one: without ``replace`` nothing would change it.
    """
    if obs.pin is not None and not replace:
        return obs.pin
    new = Pin(obs.system_identifier, canary or uuid4(), obs.database_oid)
    by = f"{socket.gethostname()[:40]} pid {os.getpid()}"
    await conn.execute(_REPIN if replace else _PIN, (new.system_identifier, new.canary, new.database_oid, by))
    row = await (
        await conn.execute(
            b"SELECT system_identifier, canary, database_oid FROM pgwarden.identity WHERE id = 1"
        )
    ).fetchone()
    assert row is not None
    return Pin(row[0], row[1], int(row[2]))


class Alarm:
    """What this instance knows about its database, and what changed since."""

    def __init__(self) -> None:
        self.known: Pin | None = None
        self.server_started: datetime | None = None
        self.restarts: list[datetime] = []
        self.seen: set[str] = set()
        """Required tables this instance saw: only those can be lost (the others were never created)."""
        self.seen_filled: set[str] = set()
        self.absent: tuple[str, ...] = ()
        """Required tables never seen: not ready, but not data loss (a first deploy before migrations)."""

    def accept(self, pinned: Pin, obs: Observation) -> None:
        self.known = pinned
        self.server_started = obs.postmaster_start

    def check(self, obs: Observation) -> list[Loss]:
        """The losses ``obs`` shows against what was known; records a server restart as evidence."""
        losses: list[Loss] = []
        restarted = self.server_started is not None and obs.postmaster_start != self.server_started
        if restarted:
            self.restarts.append(obs.postmaster_start)
        context: dict[str, Any] = {"server_started_at": obs.postmaster_start.isoformat()}
        if restarted:
            context["server_restarted"] = True
        known = self.known
        if (
            known is not None
            and obs.pin is not None
            and obs.pin != known
            and obs.pin.canary == known.canary
            and obs.pin.system_identifier == obs.system_identifier
            and obs.pin.database_oid == obs.database_oid
        ):
            # Same canary, pinned anew to this very cluster and database: a peer (or an operator)
            # recovered and re-pinned it deliberately.
            self.known = known = obs.pin
        if known is not None:
            if (
                known.system_identifier
                and obs.system_identifier
                and known.system_identifier != obs.system_identifier
            ):
                losses.append(
                    Loss(
                        "cluster_replaced",
                        f"the PostgreSQL cluster was replaced: system identifier {known.system_identifier} "
                        f"is now {obs.system_identifier} (a re-initialised or different data directory)",
                        {"pinned": known.system_identifier, "now": obs.system_identifier, **context},
                    )
                )
            elif obs.pin is None:
                losses.append(
                    Loss(
                        "identity_lost",
                        "pgwarden.identity (the canary) is gone: the database was recreated, emptied or "
                        "restored from a dump taken before pgwarden ran",
                        {"pinned_canary": str(known.canary), **context},
                    )
                )
            elif obs.pin.canary != known.canary:
                losses.append(
                    Loss(
                        "identity_lost",
                        "the canary changed: the database was restored or replaced",
                        {"pinned_canary": str(known.canary), "now": str(obs.pin.canary), **context},
                    )
                )
            elif obs.database_oid != known.database_oid:
                losses.append(
                    Loss(
                        "database_replaced",
                        f"the database was dropped and recreated (oid {known.database_oid} is now {obs.database_oid})",
                        {"pinned_oid": known.database_oid, "now": obs.database_oid, **context},
                    )
                )
        self.seen |= set(obs.tables) - set(obs.missing_tables)
        self.seen_filled |= set(obs.non_empty) - set(obs.missing_tables) - set(obs.empty_tables)
        lost = [t for t in obs.missing_tables if t in self.seen]
        self.absent = tuple(t for t in obs.missing_tables if t not in self.seen)
        emptied = [t for t in obs.empty_tables if t in self.seen_filled]
        if lost:
            losses.append(
                Loss(
                    "tables_missing",
                    f"required table(s) missing: {', '.join(lost)}",
                    {"missing": lost, **context},
                )
            )
        if emptied:
            losses.append(
                Loss(
                    "tables_empty",
                    f"table(s) that must not be empty are empty: {', '.join(emptied)}",
                    {"empty": emptied, **context},
                )
            )
        self.server_started = obs.postmaster_start
        return losses

    def check_pinned(self, obs: Observation) -> list[Loss]:
        """At start-up: the pin the database carries against the cluster it lives in."""
        if obs.pin is None:
            return []
        self.known = obs.pin
        return self.check(obs)
