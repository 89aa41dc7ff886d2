"""trigger-function-order: a trigger created before its function, or a function dropped under a trigger."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import strings


def _function_names(source: Source) -> list[tuple[int, str]]:
    return [
        (i, strings(s.node.get("funcname"))[-1])
        for i, s in enumerate(source.statements)
        if s.tag == "CreateFunctionStmt" and strings(s.node.get("funcname"))
    ]


def check(source: Source) -> Iterator[Hit]:
    created = _function_names(source)
    triggers: dict[str, str] = {}
    for i, stmt in enumerate(source.statements):
        if stmt.tag == "CreateTrigStmt":
            fn = (strings(stmt.node.get("funcname")) or [""])[-1]
            triggers[fn] = str(stmt.node.get("trigname"))
            first = min((j for j, name in created if name == fn), default=None)
            if first is not None and first > i:
                yield Hit(
                    stmt,
                    f"Trigger {stmt.node.get('trigname')} is created before its function {fn}(), which this file defines later: the statement fails.",
                    offset=stmt.start,
                    evidence={"function": fn},
                )
        elif stmt.tag == "DropStmt" and stmt.node.get("removeType") == "OBJECT_TRIGGER":
            for obj in stmt.node.get("objects", ()):
                names = strings(obj.get("List", {}).get("items"))
                for fn, trig in list(triggers.items()):
                    if names and names[-1] == trig:
                        triggers.pop(fn)
        elif stmt.tag == "DropStmt" and stmt.node.get("removeType") in ("OBJECT_FUNCTION", "OBJECT_ROUTINE"):
            for obj in stmt.node.get("objects", ()):
                names = strings(obj.get("ObjectWithArgs", {}).get("objname"))
                fn = names[-1] if names else ""
                if fn in triggers:
                    yield Hit(
                        stmt,
                        f"Function {fn}() is dropped while trigger {triggers[fn]} still calls it.",
                        offset=stmt.start,
                        evidence={"function": fn},
                    )
                elif stmt.node.get("behavior") == "DROP_CASCADE":
                    yield Hit(
                        stmt,
                        f"DROP FUNCTION {fn}() CASCADE silently drops every trigger that calls it; rows those triggers should create stop appearing.",
                        offset=stmt.start,
                        evidence={"function": fn},
                        # Whether a trigger calls it is not known from the file: a risk, not a certain break.
                        severity=Severity.WARNING,
                    )


RULE = Rule(
    id="trigger-function-order",
    severity=Severity.ERROR,
    problem="A trigger needs its function to exist first; dropping a function with CASCADE removes its triggers without a word, and the rows they maintained silently stop appearing.",
    help="Create (or replace) the function before the trigger; drop the trigger explicitly, by name, before its function.",
    bad=(
        "CREATE TRIGGER bookings_chat AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION create_chat();\n"
        "CREATE FUNCTION create_chat() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;"
    ),
    good=(
        "CREATE FUNCTION create_chat() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
        "CREATE TRIGGER bookings_chat AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION create_chat();"
    ),
    check=check,
    tags=frozenset({"CreateTrigStmt", "DropStmt"}),
)
