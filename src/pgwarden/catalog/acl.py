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

from ._inspect import query
from .kinds import Grant, Owner
from .model import Schema


def with_privileges(conn: psycopg.Connection[Any], schema: Schema, *, ignore: Sequence[str] = ()) -> Schema:
    """``schema`` (read from ``conn`` by ``inspect``) with the owners and grants of its objects."""
    grants: list[Grant] = []
    owners: list[Owner] = []
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
        finally:
            cur.execute(
                "SELECT pg_catalog.set_config('search_path', %s, true)", (previous[0] if previous else "",)
            )
    for target, obj, owner, acl in rows:
        if any(fnmatch.fnmatchcase(name, p) for name in (obj, obj.rpartition(".")[2]) for p in ignore):
            continue
        if target != "column":
            owners.append(Owner(target, obj, owner))
        grants += [Grant(target, obj, *json.loads(entry)) for entry in acl]
    return dataclasses.replace(schema, grants=tuple(grants), owners=tuple(owners), privileges_read=True)
