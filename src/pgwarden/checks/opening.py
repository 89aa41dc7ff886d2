"""What ``check`` reads in the round trip that opens its READ ONLY transaction.

Reads that need nothing from another are sent with the ``BEGIN``: each round trip costs a remote
database's latency (a managed PostgreSQL, a PaaS), and these would otherwise be one each, the
instances' one in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from types import EllipsisType
from typing import Any

import psycopg

from ..db import Statement, read_only_reading
from ..privileges import pgwarden_access_query, schema_grant
from . import enforcement
from .declared import LiveSetting
from .instances import present_query
from .live_settings import settings_from, settings_query

__all__ = ["Opening", "opened"]


@dataclass(frozen=True)
class Opening:
    """The answers read with the transaction's ``BEGIN``."""

    switched_off: list[enforcement.Row]
    """Enforcement that is switched off (``enforcement.read``)."""
    grant: str | None | EllipsisType
    """The GRANT the role needs to read schema pgwarden, None when it may, ``...`` when not asked."""
    registered: bool | None
    """Whether an instance ever registered (``pgwarden.instances`` exists); None when not asked."""
    settings: dict[str, LiveSetting]
    """The declared settings as this session sees them (``read_settings``)."""
    tables: tuple[bool, ...]
    """Whether each of the tables asked for exists, in their order."""


@contextmanager
def opened(
    conn: psycopg.Connection[Any], *, access: bool, settings: Sequence[str], tables: Sequence[str] = ()
) -> Iterator[Opening]:
    """A READ ONLY transaction on ``conn`` (autocommit, idle), always rolled back, and what was read
    in the round trip that opened it: with ``access``, whether the role may read schema pgwarden and
    whether an instance registered; the declared ``settings``; whether each of ``tables`` exists
    (names as SQL writes them, schema-qualified or not); the switched-off enforcement."""
    statements: dict[str, Statement] = {"enforcement": enforcement.query()}
    if tables:
        query = resources.files(__package__).joinpath("sql/tables_present.sql").read_bytes()
        statements["tables"] = (query, (list(tables),))
    if access:
        statements["access"] = pgwarden_access_query()
        statements["instances"] = present_query()
    asked = settings_query(settings)
    if asked is not None:
        statements["settings"] = asked
    with read_only_reading(conn, list(statements.values())) as cursors:
        rows = {name: cur.fetchall() for name, cur in zip(statements, cursors, strict=True)}
        yield Opening(
            switched_off=enforcement.rows(rows["enforcement"]),
            grant=schema_grant(rows["access"][0]) if access else ...,
            registered=bool(rows["instances"][0][0]) if access else None,
            settings=settings_from(rows.get("settings", ())),
            tables=tuple(bool(r[0]) for r in rows.get("tables", ())),
        )
