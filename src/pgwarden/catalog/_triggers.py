"""A trigger row of the catalog (``queries/triggers.sql``) as a ``Trigger``, for tables and views alike."""

from __future__ import annotations

import re

from .model import Trigger

_ENABLED = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}
_WHEN = re.compile(r" WHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.DOTALL)


def trigger(table: str, name: str, tgtype: int, enabled: str, function: str, definition: str) -> Trigger:
    # tgtype bits (pg_trigger.h): 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead
    timing = "instead of" if tgtype & 64 else "before" if tgtype & 2 else "after"
    events = tuple(
        event
        for bit, event in ((8, "delete"), (4, "insert"), (32, "truncate"), (16, "update"))
        if tgtype & bit
    )
    match = _WHEN.search(definition)
    return Trigger(
        name=name,
        table=table,
        timing=timing,  # type: ignore[arg-type]
        events=events,
        level="row" if tgtype & 1 else "statement",
        function=function,
        definition=definition,
        when=match.group(1) if match else None,
        enabled=_ENABLED[enabled],  # type: ignore[arg-type]
    )
