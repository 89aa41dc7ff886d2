"""serial-instead-of-identity: serial columns hide a separately owned sequence."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ._types import COLUMN_TAGS, column_types

_SERIAL = {"serial", "serial4", "serial8", "bigserial", "smallserial", "serial2"}


def check(source: Source) -> Iterator[Hit]:
    for stmt, column, tn, name in column_types(source):
        if name in _SERIAL:
            yield Hit(
                stmt,
                f"Column {column} uses {name}: its sequence has separate permissions and ownership, and dumps/copies get out of step.",
                offset=stmt.at(tn.get("location")),
                evidence={"column": column},
            )


RULE = Rule(
    id="serial-instead-of-identity",
    severity=Severity.WARNING,
    problem="serial creates a sequence the column only refers to by default expression: grants, ownership and table copies need extra care.",
    help="Use `bigint GENERATED ALWAYS AS IDENTITY` (or BY DEFAULT), the SQL-standard form.",
    bad="CREATE TABLE jobs (id bigserial PRIMARY KEY);",
    good="CREATE TABLE jobs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
    check=check,
    tags=COLUMN_TAGS,
)
