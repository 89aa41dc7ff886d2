"""Asking the server whether the roles ``[[expect.grants]]`` names hold what it declares."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any

import psycopg

from ..catalog.model import Schema
from ..expectations import ExpectGrant
from .declared.grant import LiveGrants, Wanted, wanted

__all__ = ["read_grants"]


def read_grants(conn: psycopg.Connection[Any], expects: Iterable[ExpectGrant], schema: Schema) -> LiveGrants:
    """One query for every declared (role, object, privilege) of ``schema`` (as ``inspect`` read it)."""
    expects = list(expects)
    if not expects:
        return LiveGrants(frozenset(), {})
    questions, _ = wanted(expects, schema)
    roles = sorted({e.role for e in expects})
    # The roles are asked even without a question, so a missing role is reported on an empty schema.
    rows = [(r, "role", "", "", "") for r in roles] + [
        (w.role, w.target, w.schema, w.name, w.privilege) for w in questions
    ]
    query = resources.files(__package__).joinpath("sql/grants.sql").read_text(encoding="utf-8")
    params = {
        key: [row[i] for row in rows]
        for i, key in enumerate(("roles", "targets", "schemas", "names", "privileges"))
    }
    existing: set[str] = set()
    held: dict[Wanted, bool | None] = {}
    for role, target, schema_name, name, privilege, role_exists, has in conn.execute(
        query, params
    ).fetchall():
        if role_exists:
            existing.add(role)
        if target != "role":
            held[Wanted(role, target, schema_name, name, privilege)] = has
    return LiveGrants(frozenset(existing), held)
