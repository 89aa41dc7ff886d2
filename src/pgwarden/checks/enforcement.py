"""Enforcement that is switched off: foreign-key triggers, user triggers, NOT VALID constraints, replica mode.

A restore with ``pg_restore --disable-triggers`` that stopped half-way, or an
``ALTER TABLE … DISABLE TRIGGER ALL`` someone ran to load data fast, leaves foreign
keys that no longer check anything; ``session_replication_role = replica`` on a role
or database turns off every foreign key and ordinary trigger for whoever connects
with it. None of this shows in a schema comparison, so it is read from the catalog
here, with the statement that turns each back on.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from ..codes import finding
from ..findings import Finding, Severity

__all__ = ["Row", "findings", "query", "read", "rows"]

_SOURCE = "drift"


@dataclass(frozen=True)
class Row:
    kind: str
    schema: str
    table: str
    name: str
    detail: dict[str, Any]


def query() -> bytes:
    """The catalog query ``read`` runs (no parameters), for a caller sending it with other reads."""
    return resources.files(__package__).joinpath("sql/enforcement.sql").read_bytes()


def rows(fetched: Sequence[tuple[Any, ...]]) -> list[Row]:
    """``query``'s rows as ``Row``s."""
    return [Row(k, s, t, n, d or {}) for k, s, t, n, d in fetched]


def read(conn: psycopg.Connection[Any]) -> list[Row]:
    return rows(conn.execute(query()).fetchall())


def _ident(*names: str) -> str:
    return sql.Identifier(*names).as_string(None)


def _wanted(row: Row, schemas: Sequence[str], ignore: Sequence[str]) -> bool:
    if not row.schema:  # role, database and server settings belong to no schema
        return True
    if row.schema == "pgwarden" or (schemas and row.schema not in schemas):
        return False
    names = (row.schema, f"{row.schema}.{row.table}", f"{row.schema}.{row.table}.{row.name}")
    return not any(fnmatch.fnmatchcase(n, p) for n in names for p in ignore)


def findings(
    rows: Sequence[Row],
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
    declared_settings: Sequence[str] = (),
) -> list[Finding]:
    """One finding per row, each with the statement that turns enforcement back on (pure).

    When ``[[expect.settings]]`` declares ``session_replication_role``, PW304 already says
    everything about it, so the role, database and server rows are left to it.
    """
    declared = "session_replication_role" in {s.strip().lower() for s in declared_settings}
    out: list[Finding] = []
    for row in rows:
        if declared and row.kind in ("role_setting", "server"):
            continue
        if _wanted(row, schemas, ignore):
            out.append(_BUILDERS[row.kind](row))
    return out


def _fk_triggers(row: Row) -> Finding:
    triggers = row.detail.get("triggers", [])
    fix = "\n".join(
        f"ALTER TABLE {_ident(t['schema'], t['table'])} ENABLE TRIGGER {_ident(t['trigger'])};"
        for t in triggers
    )
    table = f"{row.schema}.{row.table}"
    return finding(
        "foreign_key_triggers_disabled",
        f"{table}.{row.name}",
        f"Foreign key {row.name} on {table} checks nothing: its internal triggers are disabled "
        "(DISABLE TRIGGER ALL, or a restore with --disable-triggers).",
        "Enable them (superuser): the fix SQL names each one, and unlike ENABLE TRIGGER ALL it leaves "
        "deliberately disabled user triggers alone. Rows written meanwhile were not checked: look for "
        "orphans before you rely on the key.",
        source=_SOURCE,
        fix_sql=fix,
        evidence={"triggers": triggers},
    )


def _user_trigger(row: Row) -> Finding:
    table = f"{row.schema}.{row.table}"
    return finding(
        "trigger_disabled",
        f"{table}.{row.name}",
        f"Trigger {row.name} on {table} is disabled and does not fire.",
        "If nobody disabled it on purpose, enable it; rows written meanwhile missed what it does "
        "(an invariant with a repair can catch them up).",
        source=_SOURCE,
        severity=Severity.WARNING,
        fix_sql=f"ALTER TABLE {_ident(row.schema, row.table)} ENABLE TRIGGER {_ident(row.name)};",
        evidence={"enabled": "disabled", "seen_in": "live catalog"},
    )


def _not_valid(row: Row) -> Finding:
    table = f"{row.schema}.{row.table}"
    what = row.detail.get("type", "constraint")
    return finding(
        "constraint_not_validated",
        f"{table}.{row.name}",
        f"The {what} {row.name} on {table} was added NOT VALID and never validated: "
        "rows from before it are not known to satisfy it.",
        "Validate it: VALIDATE CONSTRAINT reads the table under a lock that lets reads and writes "
        "go on; if it fails, the error names a row that breaks it.",
        source=_SOURCE,
        fix_sql=f"ALTER TABLE {_ident(row.schema, row.table)} VALIDATE CONSTRAINT {_ident(row.name)};",
        evidence={"type": what},
    )


def _role_setting(row: Row) -> Finding:
    role, database = row.detail.get("role"), row.detail.get("database")
    if role and database:
        scope, target = (
            f"role {role} in database {database}",
            f"ROLE {_ident(role)} IN DATABASE {_ident(database)}",
        )
    elif role:
        scope, target = f"role {role}", f"ROLE {_ident(role)}"
    else:
        scope, target = f"database {database}", f"DATABASE {_ident(database or '')}"
    return finding(
        "replication_role_replica",
        scope,
        f"session_replication_role is set to replica for {scope}: its sessions fire no foreign-key "
        "checks and no ordinary triggers.",
        "Reset it (superuser); it is meant for a replication apply worker or a restore, never for the "
        "service's own connections. Rows written meanwhile were not checked.",
        source=_SOURCE,
        fix_sql=f"ALTER {target} RESET session_replication_role;",
        evidence={"role": role, "database": database},
    )


def _server(row: Row) -> Finding:
    where = row.detail.get("file")
    place = f"{where}:{row.detail.get('line')}" if where else str(row.detail.get("source"))
    from_auto = bool(where) and str(where).endswith("postgresql.auto.conf")
    fix = "ALTER SYSTEM RESET session_replication_role;\nSELECT pg_catalog.pg_reload_conf();"
    return finding(
        "replication_role_replica",
        "server",
        f"session_replication_role is replica for the whole server ({place}): no session fires "
        "foreign-key checks or ordinary triggers.",
        "Remove it: "
        + (
            "the fix SQL resets it (superuser)."
            if from_auto or not where
            else f"delete the line in {where} and reload."
        )
        + " Rows written meanwhile were not checked.",
        source=_SOURCE,
        fix_sql=fix if from_auto or not where else None,
        evidence=dict(row.detail),
    )


_BUILDERS = {
    "fk_triggers": _fk_triggers,
    "user_trigger": _user_trigger,
    "not_valid": _not_valid,
    "role_setting": _role_setting,
    "server": _server,
}
