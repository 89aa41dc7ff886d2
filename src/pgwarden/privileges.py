"""Least privilege: name the grant a role lacks instead of failing as an internal error.

A monitoring role with CONNECT only, a read-only role (``default_transaction_read_only``) and a
role without SELECT are supported: a command that needs more says which ``GRANT`` (or which
role setting) would let it run, and exits 2; ``check`` skips what it cannot read and says so.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql

from .errors import PrivilegeError

__all__ = ["PRIVILEGE_ERRORS", "from_database_error", "grant_for", "pgwarden_schema_grant"]

PRIVILEGE_ERRORS: tuple[type[psycopg.Error], ...] = (
    pgerrors.InsufficientPrivilege,
    pgerrors.ReadOnlySqlTransaction,
)
"""Database errors that mean "this role may not", never "pgwarden is broken"."""

_DENIED = re.compile(
    r"permission denied for (schema|table|relation|sequence|view|database|function|procedure|"
    r"materialized view|foreign table|type|language|tablespace) (\S+)"
)
_OBJECT_GRANT = {
    "schema": "USAGE ON SCHEMA {}",
    "table": "SELECT ON TABLE {}",
    "relation": "SELECT ON TABLE {}",
    "view": "SELECT ON TABLE {}",
    "materialized view": "SELECT ON TABLE {}",
    "foreign table": "SELECT ON TABLE {}",
    "sequence": "SELECT ON SEQUENCE {}",
    "database": "CREATE ON DATABASE {}",
    "function": "EXECUTE ON FUNCTION {}",
    "procedure": "EXECUTE ON PROCEDURE {}",
    "type": "USAGE ON TYPE {}",
    "language": "USAGE ON LANGUAGE {}",
    "tablespace": "CREATE ON TABLESPACE {}",
}


_last_role: list[str] = []


def remember_role(user: str) -> None:
    """Called on every connection: the role a later refusal is about (the error may outlive its connection)."""
    _last_role[:] = [user]


def ident(name: str) -> str:
    """``name`` as a GRANT statement needs it: bare when it can be, quoted otherwise."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return sql.Identifier(name).as_string(None)


def role_of_last() -> str:
    """The role of the newest connection (for a refusal reported by pg_dump, not by psycopg)."""
    return ident(_last_role[0]) if _last_role else "<role>"


def role_of(exc: psycopg.Error) -> str:
    """The role the failed session ran as, for the GRANT statement (a placeholder when unknown)."""
    pgconn = getattr(exc, "pgconn", None)
    user = getattr(pgconn, "user", None) if pgconn is not None else None
    if isinstance(user, bytes) and user:
        return ident(user.decode("utf-8", "replace"))
    return ident(_last_role[0]) if _last_role else "<role>"


def grant_for(message: str, role: str) -> str | None:
    """The GRANT that answers ``permission denied for <kind> <name>``, or None for other messages."""
    found = _DENIED.search(message)
    if found is None:
        return None
    kind, name = found.group(1), found.group(2).strip('"').rstrip(".,")
    target = _OBJECT_GRANT[kind].format(name)
    if kind == "schema" and name == "pgwarden":
        return (
            f"GRANT USAGE ON SCHEMA pgwarden TO {role}; "
            f"GRANT SELECT ON ALL TABLES IN SCHEMA pgwarden TO {role}"
        )
    return f"GRANT {target} TO {role}"


def from_database_error(exc: psycopg.Error, *, doing: str = "", role: str | None = None) -> PrivilegeError:
    """One sentence for a privilege failure: what was refused and the grant or setting that allows it."""
    role = ident(role) if role else role_of(exc)
    first = (str(exc).strip().splitlines() or ["permission denied"])[0].rstrip(".")
    context = f" while {doing}" if doing else ""
    if isinstance(exc, pgerrors.ReadOnlySqlTransaction):
        return PrivilegeError(
            f"The database refused a write{context}: {first}. This command writes, and role {role} "
            f"runs read-only (default_transaction_read_only or a standby): run it as a role that may "
            f"write, or ALTER ROLE {role} SET default_transaction_read_only = off.",
            grant=None,
        )
    grant = grant_for(first, role)
    if grant is None:
        return PrivilegeError(
            f"The database refused role {role}{context}: {first}. Grant the role what this command "
            "needs (see docs/privileges.md) or run it as the owner.",
            grant=None,
        )
    return PrivilegeError(
        f"The database refused role {role}{context}: {first}. Grant it with: {grant};"
        " (docs/privileges.md lists what each command needs).",
        grant=grant,
    )


def pgwarden_schema_grant(conn: psycopg.Connection[Any]) -> str | None:
    """None when the role can read schema ``pgwarden`` (or it does not exist), else the GRANT it needs."""
    row = conn.execute(pgwarden_access_query()).fetchone()
    assert row is not None
    return schema_grant(row)


def pgwarden_access_query() -> bytes:
    """The catalog query ``pgwarden_schema_grant`` asks (one row, no parameters; it never fails)."""
    return resources.files(__package__).joinpath("sql/pgwarden_access.sql").read_bytes()


def schema_grant(row: tuple[Any, ...]) -> str | None:
    """``pgwarden_schema_grant``'s answer from the row of ``pgwarden_access_query``."""
    present, usage, readable, role = row
    if not present or (usage and readable):
        return None
    name = ident(role)
    if not usage:
        return f"GRANT USAGE ON SCHEMA pgwarden TO {name}; GRANT SELECT ON ALL TABLES IN SCHEMA pgwarden TO {name}"
    return f"GRANT SELECT ON ALL TABLES IN SCHEMA pgwarden TO {name}"


_MISSING_RELATION = re.compile(r'relation "([^"]+)" does not exist')


def hidden_relation_grant(conn: psycopg.Connection[Any], message: str) -> str | None:
    """The GRANT when "relation does not exist" really means "the role may not see its schema".

    A schema without USAGE is skipped by ``search_path``, so an unqualified name in it reads as
    missing. ``conn`` must be usable (autocommit, or outside the failed transaction).
    """
    found = _MISSING_RELATION.search(message)
    if found is None:
        return None
    name = found.group(1).rpartition(".")[2]
    row = conn.execute(
        "SELECT n.nspname, current_user FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE') LIMIT 1",
        (name,),
    ).fetchone()
    if row is None:
        return None
    schema, role = row
    return f"GRANT USAGE ON SCHEMA {ident(schema)} TO {ident(role)}"
