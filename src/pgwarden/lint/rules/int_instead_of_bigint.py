"""int-instead-of-bigint: 32- and 16-bit integer columns run out."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ._types import column_types

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
        if name in _SMALL:
            # An int[] of ids outgrows int4 the same way: the elements are the ids.
            suffix = "[]" if tn.get("arrayBounds") else ""
            yield Hit(
                stmt,
                f"Column {column} is {_SMALL[name]}{suffix}: ids and counters outgrow it; a later change to bigint rewrites the table.",
                offset=stmt.at(tn.get("location")),
                evidence={"column": column, "type": _SMALL[name]},
            )


RULE = Rule(
    id="int-instead-of-bigint",
    severity=Severity.WARNING,
    problem="integer tops out at 2,147,483,647 and smallint at 32,767; Telegram chat ids already exceed integer, and widening later rewrites the table.",
    help="Use bigint (or bigint GENERATED … AS IDENTITY) from the start; it costs 4 bytes per row.",
    bad="CREATE TABLE jobs (id bigint, chat_id integer);",
    good="CREATE TABLE jobs (id bigint, chat_id bigint);",
    check=check,
)
