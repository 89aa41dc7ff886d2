"""``ALTER COLUMN .. TYPE`` for a column whose type changes: the values converted, never cut unasked."""

from __future__ import annotations

from psycopg import sql

from ..catalog.model import Column
from . import _casts as casts
from . import _narrowing as narrowings
from ._ddl import Q, alter_column, collation, raw


def column_type(t: Q, c: Column, *, using: bool, from_type: str | None = None, table: str = "") -> Q:
    """``ALTER COLUMN .. TYPE``; ``using`` converts from ``from_type`` (``_casts``), guarded (``_narrowing``)."""
    action: Q = sql.SQL("TYPE {}").format(raw(c.type))
    if c.collation:
        action = sql.SQL("{} COLLATE {}").format(action, collation(c.collation))
    narrowing = narrowings.classify(from_type, c.type) if using and from_type else None
    assumes = None
    if not using or (narrowing is not None and narrowing.plain):  # a plain change refuses a value too long
        statement = alter_column(t, c.name, action)
    else:
        quoted_name = '"' + c.name.replace('"', '""') + '"'
        expression, assumes = casts.using(quoted_name, from_type or c.type, c.type)
        if narrowing is not None:
            expression = narrowings.refusing(narrowing, quoted_name, expression, c.type)
        statement = alter_column(t, c.name, sql.SQL("{} USING {}").format(action, raw(expression)))
    if narrowing is not None:
        check = narrowings.guard(t, table or t.as_string(), c.name, narrowing, c.type)
        statement = sql.SQL("{}\n{}").format(check, statement)
    if assumes is None:
        return statement
    return sql.SQL("-- assumes {}\n{}").format(sql.SQL(" ".join(assumes.split())), statement)
