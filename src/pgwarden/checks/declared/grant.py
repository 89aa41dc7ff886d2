"""``[[expect.grants]]``: a role holds the declared privileges on the declared tables, sequences, schemas.

Pure: ``wanted`` turns the declarations into (role, object, privilege) questions against an
inspected schema (patterns expanded); ``checks.live_grants`` asks the server, which alone knows
what a role holds through PUBLIC, role membership, ownership or superuser; ``check_grants``
turns the answers into findings.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from psycopg import sql

from ... import codes
from ...catalog.model import Schema
from ...expectations import ExpectGrant
from ...findings import Finding
from ._common import as_evidence, drift_finding, split_name

_TARGET = {"tables": "table", "sequences": "sequence", "schemas": "schema"}
_GRANT_ON = {"table": "TABLE", "sequence": "SEQUENCE", "schema": "SCHEMA"}


@dataclass(frozen=True)
class Wanted:
    """One privilege one role must hold on one object."""

    role: str
    target: str
    """``table`` (tables and views), ``sequence`` or ``schema``."""
    schema: str
    name: str
    """The object's name; for a schema, the schema's name again."""
    privilege: str

    @property
    def object(self) -> str:
        return self.schema if self.target == "schema" else f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Unknown:
    """A declared object (not a pattern) that does not exist."""

    expect: ExpectGrant
    target: str
    object: str


def wanted(expects: Iterable[ExpectGrant], schema: Schema) -> tuple[list[Wanted], list[Unknown]]:
    """The questions the declarations ask of ``schema``, and the named objects it lacks."""
    relations = {(t.schema, t.name) for t in schema.tables} | {(v.schema, v.name) for v in schema.views}
    sequences = {(s.schema, s.name) for s in schema.sequences}
    out: list[Wanted] = []
    unknown: list[Unknown] = []
    for expect in expects:
        key = next(k for k in _TARGET if getattr(expect, k) is not None)
        target = _TARGET[key]
        for written in getattr(expect, key):
            if target == "schema":
                found = sorted((name, name) for name in schema.schemas if fnmatch.fnmatchcase(name, written))
            else:
                in_schema, pattern = split_name(written, expect.schema)
                pool = relations if target == "table" else sequences
                found = sorted((s, n) for s, n in pool if s == in_schema and fnmatch.fnmatchcase(n, pattern))
            if not found and not any(ch in written for ch in "*?["):
                unknown.append(Unknown(expect, target, written))
            out += [Wanted(expect.role, target, s, n, p) for s, n in found for p in expect.privileges]
    return out, unknown


@dataclass(frozen=True)
class LiveGrants:
    """What the server answered: which roles exist, and whether each question's privilege is held."""

    roles: frozenset[str]
    held: Mapping[Wanted, bool | None]


def check_grants(expects: Iterable[ExpectGrant], schema: Schema, live: LiveGrants) -> list[Finding]:
    """A ``missing_role`` per declared role that does not exist, a ``missing_grant`` per privilege
    a role lacks; a named object that does not exist is a ``missing_grant`` without a fix."""
    expects = list(expects)
    questions, unknown = wanted(expects, schema)
    out: list[Finding] = []
    for role in dict.fromkeys(e.role for e in expects):
        if role not in live.roles:
            declared = [as_evidence(e) for e in expects if e.role == role]
            out.append(
                codes.finding(
                    "missing_role",
                    role,
                    f"Role {role} does not exist, though [[expect.grants]] says it must hold privileges: "
                    "whatever connects as it fails to log in.",
                    "Create the role (CREATE ROLE ... LOGIN, with its password from your secrets store) and "
                    "grant what it needs, or fix `role` in [[expect.grants]].",
                    source="drift",
                    evidence={"expected": declared, "actual": None},
                )
            )
    for u in unknown:
        out.append(
            drift_finding(
                "missing_grant",
                f"{u.object}: to {u.expect.role}",
                f"Role {u.expect.role} must hold {', '.join(u.expect.privileges)} on {u.target} {u.object}, "
                f"which does not exist.",
                "Create it (have the migrations run?), or fix the name in [[expect.grants]].",
                expected=as_evidence(u.expect),
                actual=None,
            )
        )
    for w in questions:
        if w.role not in live.roles or live.held.get(w) is not False:
            continue
        on = _GRANT_ON[w.target]
        name = sql.Identifier(w.schema) if w.target == "schema" else sql.Identifier(w.schema, w.name)
        out.append(
            drift_finding(
                "missing_grant",
                f"{w.object}: {w.privilege} to {w.role}",
                f"Role {w.role} lacks {w.privilege} on {w.target} {w.object}: what needs it fails with "
                "permission denied.",
                "Grant it with the fix SQL, or fix [[expect.grants]] if the role no longer needs it.",
                fix=sql.SQL("GRANT {} ON {} {} TO {};").format(
                    sql.SQL(w.privilege), sql.SQL(on), name, sql.Identifier(w.role)
                ),
                expected={
                    "target": w.target,
                    "object": w.object,
                    "grantee": w.role,
                    "privilege": w.privilege,
                },
                actual=None,
            )
        )
    return out
