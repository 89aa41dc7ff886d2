"""int-instead-of-bigint: 32- and 16-bit id columns run out (Telegram ids already have).

Only ids: a serial, or a column named like one (``id``, ``*_id``, ``chat_id``). A price, a
count or a position fits in ``integer``; flagging every ``integer`` taught users to ignore the rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ...idwidth import is_id_name, is_telegram_name
from ..model import Hit, Rule, Source
from ._types import COLUMN_TAGS, column_types

_SMALL = {
    "int4": "integer",
    "int2": "smallint",
    "serial": "serial",
    "serial4": "serial",
    "smallserial": "smallserial",
    "serial2": "smallserial",
    "int": "integer",
    "integer": "integer",
    "smallint": "smallint",
}


def check(source: Source) -> Iterator[Hit]:
    for stmt, column, tn, name in column_types(source):
        if name not in _SMALL or not (
            name.endswith("serial") or name.startswith("serial") or is_id_name(column)
        ):
            continue
        # An int[] of ids outgrows int4 the same way: the elements are the ids.
        suffix = "[]" if tn.get("arrayBounds") else ""
        why = (
            "it holds Telegram ids, which already exceed 2,147,483,647: inserting a newer user's or a group's id fails"
            if is_telegram_name(column)
            else "ids outgrow it"
        )
        yield Hit(
            stmt,
            f"Column {column} is {_SMALL[name]}{suffix}: {why}; a later change to bigint rewrites the table.",
            offset=stmt.at(tn.get("location")),
            evidence={"column": column, "type": _SMALL[name], "telegram": is_telegram_name(column)},
        )


RULE = Rule(
    id="int-instead-of-bigint",
    severity=Severity.WARNING,
    problem="An id column (a serial, `id`, `*_id`) is integer or smallint: integer tops out at 2,147,483,647 and smallint at 32,767; Telegram user and chat ids already exceed integer, and widening later rewrites the table. Counts, prices and positions are not flagged.",
    help="Use bigint (or bigint GENERATED … AS IDENTITY) from the start; it costs 4 bytes per row.",
    bad="CREATE TABLE jobs (id bigint, chat_id integer);",
    good="CREATE TABLE jobs (id bigint, chat_id bigint);",
    check=check,
    tags=COLUMN_TAGS,
)
