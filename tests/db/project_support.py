"""Test support shared by the database tests: the small bookings project and login roles.

Imported as ``from project_support import ...`` (pytest puts this folder on ``sys.path``, as for
``pooler_helpers``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BOOKINGS_MIGRATION = "CREATE TABLE bookings (id bigint PRIMARY KEY, status text NOT NULL);\n"
BOOKINGS_CONFIG = (
    'migrations = "migrations"\n\n[[invariants]]\nname = "no-odd-status"\n'
    "check = \"SELECT id FROM bookings WHERE status NOT IN ('active', 'done')\"\n"
    "repair = \"UPDATE bookings SET status = 'done' WHERE id IN (SELECT id FROM violations)\"\n"
)


def write_bookings_project(folder: Path, extra_config: str = "") -> None:
    """``folder`` as a project: one migration creating ``bookings``, one invariant with its repair."""
    (folder / "migrations").mkdir()
    (folder / "migrations" / "001_init.sql").write_text(BOOKINGS_MIGRATION)
    (folder / "pgwarden.toml").write_text(BOOKINGS_CONFIG + extra_config)


def url_as(db_url: str, password: str, user: str | None = None) -> str:
    """``db_url`` with ``user`` (else its own) and ``password`` in it."""
    head, _, rest = db_url.partition("://")
    own, _, hostpart = rest.partition("@")
    return f"{head}://{user or own.partition(':')[0]}:{password}@{hostpart}"


def create_login_role(conn: psycopg.Connection[Any], name: str, password: str | None = None) -> None:
    """A role that can log in (with ``password`` when given); ``drop_role`` removes it and what it owns."""
    if password is None:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    else:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
        )


def drop_role(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
