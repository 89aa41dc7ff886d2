"""Reading owners and grants: ``with_privileges(conn, schema)`` adds them to an inspected schema.

Apart from ``inspect`` because only comparisons between live databases can judge them: a
schema built in a scratch database (models, a migrations folder) has neither the bot's roles
nor its owners, and ``Schema.privileges_read`` stays false there.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Sequence
from typing import Any

import psycopg

from ._prefetch import query
from .kinds import DefaultPrivilege, DefaultTarget, Grant, Owner
from .model import Schema

PRIVILEGE_QUERIES = ("privileges", "default_privileges")
"""The two queries ``with_privileges`` runs; ``inspect(privileges=True)`` sends them with its own."""


def with_privileges(conn: psycopg.Connection[Any], schema: Schema, *, ignore: Sequence[str] = ()) -> Schema:
    """``schema`` (read from ``conn`` by ``inspect``) with the owners and grants of its objects."""
    with conn.transaction(), conn.cursor() as cur:
        # As inspect does: routine argument types print schema-qualified whatever the session,
        # and the session's own search_path comes back afterwards.
        cur.execute("SELECT pg_catalog.current_setting('search_path')")
        previous = cur.fetchone()
        cur.execute("SELECT pg_catalog.set_config('search_path', '', true)")
        try:
            cur.execute(
                "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY(%s::text[])",
                (list(schema.schemas),),
            )
            nsp = [row[0] for row in cur.fetchall()]
            cur.execute(query("privileges", conn.info.server_version), {"nsp": nsp})  # type: ignore[arg-type]
            rows = cur.fetchall()
            cur.execute(query("default_privileges", conn.info.server_version), {"nsp": nsp})  # type: ignore[arg-type]
            defaults = cur.fetchall()
        finally:
            cur.execute(
                "SELECT pg_catalog.set_config('search_path', %s, true)", (previous[0] if previous else "",)
            )
    return add_privileges(schema, rows, defaults, ignore=ignore)


def add_privileges(
    schema: Schema,
    rows: Sequence[tuple[Any, ...]],
    defaults: Sequence[tuple[Any, ...]],
    *,
    ignore: Sequence[str] = (),
) -> Schema:
    """``schema`` with the owners and grants of ``rows`` (``privileges.sql``) and the default
    privileges of ``defaults`` (``default_privileges.sql``)."""
    grants: list[Grant] = []
    owners: list[Owner] = []
    for target, obj, owner, acl in rows:
        if any(fnmatch.fnmatchcase(name, p) for name in (obj, obj.rpartition(".")[2]) for p in ignore):
            continue
        if target != "column":
            owners.append(Owner(target, obj, owner))
        grants += [Grant(target, obj, *json.loads(entry)) for entry in acl]
    return dataclasses.replace(
        schema,
        grants=tuple(grants),
        owners=tuple(owners),
        default_privileges=tuple(d for row in defaults for d in default_privileges(*row)),
        privileges_read=True,
    )


_ON: dict[str, DefaultTarget] = {
    "r": "tables",
    "S": "sequences",
    "f": "functions",
    "T": "types",
    "n": "schemas",
}
_BUILT_IN = {"functions": ("PUBLIC", "EXECUTE"), "types": ("PUBLIC", "USAGE")}
"""What every role's new functions and types give PUBLIC unless a database-wide entry says otherwise."""


def default_privileges(role: str, schema: str | None, objtype: str, acl: list[str]) -> list[DefaultPrivilege]:
    """One ``pg_default_acl`` entry as its departures from the server's defaults.

    A database-wide entry replaces the built-in defaults, so one without PUBLIC's EXECUTE on
    functions says it was revoked; an entry in a schema only adds to them.
    """
    on = _ON.get(objtype)
    if on is None:
        return []
    entries = [json.loads(a) for a in acl]
    built_in = _BUILT_IN.get(on) if schema is None else None
    out = [
        DefaultPrivilege(role, schema, on, grantee, privilege, bool(grantable))
        for grantee, privilege, grantable in entries
        if (grantee, privilege) != built_in
    ]
    if built_in is not None and not any((g, p) == built_in for g, p, _ in entries):
        out.append(DefaultPrivilege(role, None, on, *built_in, revoked=True))
    return out
