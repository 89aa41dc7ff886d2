"""timestamp-without-time-zone: timestamp without time zone loses the instant."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ._types import COLUMN_TAGS, column_types


def check(source: Source) -> Iterator[Hit]:
    for stmt, column, tn, name in column_types(source):
        if name == "timestamp":
            yield Hit(
                stmt,
                f"Column {column} is timestamp without time zone: values are wall-clock readings whose zone is lost.",
                offset=stmt.at(tn.get("location")),
                evidence={"column": column},
            )


RULE = Rule(
    id="timestamp-without-time-zone",
    severity=Severity.WARNING,
    problem="timestamp stores a local wall-clock time: servers and clients in different zones (or DST) read different instants.",
    help="Use timestamptz; it stores an instant and displays it in the session's zone.",
    bad="CREATE TABLE jobs (finished_at timestamp);",
    good="CREATE TABLE jobs (finished_at timestamptz);",
    check=check,
    tags=COLUMN_TAGS,
)
