"""``[[expect.triggers]]``: the trigger exists, is enabled, and fires the declared function on the declared events."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...catalog.model import Schema, Trigger
from ...errors import ConfigError
from ...expectations import ExpectTrigger
from ...findings import Finding
from ._common import as_evidence, drift_finding, no_table, split_name, strip_call
from ._signature import same_function

_TIMINGS = ("before", "after", "instead of")
_EVENTS = ("delete", "insert", "truncate", "update")


def check_trigger(expect: ExpectTrigger, schema: Schema) -> list[Finding]:
    nsp, table_name = split_name(expect.table, expect.schema)
    qual_table = f"{nsp}.{table_name}"
    obj = f"{qual_table}.{expect.name}"
    declared = as_evidence(expect)
    timing, events = _trigger_spec(expect, obj)
    table = schema.table(qual_table)
    if table is None:
        return [no_table("missing_trigger", obj, f"Trigger {expect.name}", qual_table, "triggers", declared)]
    trigger = table.trigger_map.get(expect.name)
    if trigger is None:
        elsewhere = sorted(t.qualname for t in schema.tables for tr in t.triggers if tr.name == expect.name)
        hint = "Create it in a migration (CREATE TRIGGER ... ON " + qual_table
        if expect.function:
            hint += f" ... EXECUTE FUNCTION {strip_call(expect.function)[0]}()"
        hint += ") and run the migrations."
        if elsewhere:
            hint += f" A trigger with that name exists on {', '.join(elsewhere)}: is `table` right?"
        return [
            drift_finding(
                "missing_trigger",
                obj,
                f"Trigger {expect.name} on {qual_table} does not exist, so it never fires.",
                hint,
                expected=declared,
                actual=None,
            )
        ]
    findings: list[Finding] = []
    actual = _trigger_facts(trigger)
    table_id = sql.Identifier(nsp, table_name)
    if expect.enabled and trigger.enabled in ("disabled", "replica"):
        if trigger.enabled == "disabled":
            message = f"Trigger {expect.name} on {qual_table} is disabled, so it never fires."
        else:
            message = (
                f"Trigger {expect.name} on {qual_table} is a replica trigger: it fires only in sessions "
                "with session_replication_role = replica, so normal writes never fire it."
            )
        findings.append(
            drift_finding(
                "trigger_disabled",
                obj,
                message,
                "Enable it (the statement below), then repair rows written while it was off.",
                fix=sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(table_id, sql.Identifier(expect.name)),
                expected=declared,
                actual=actual,
            )
        )
    elif not expect.enabled and trigger.enabled != "disabled":
        findings.append(
            drift_finding(
                "trigger_mismatch",
                obj,
                f"Trigger {expect.name} on {qual_table} fires, but it is declared disabled.",
                "Disable it (the statement below), or set `enabled = true` in [[expect.triggers]].",
                fix=sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                    table_id, sql.Identifier(expect.name)
                ),
                expected=declared,
                actual=actual,
            )
        )
    differences: list[str] = []
    if timing is not None and trigger.timing != timing:
        differences.append(f"fires {trigger.timing.upper()}, not {timing.upper()}")
    if events is not None and tuple(sorted(trigger.events)) != events:
        differences.append(f"fires on {_verb(trigger.events)}, not on {_verb(events)}")
    if expect.function is not None and not same_function(expect.function, trigger.function):
        differences.append(f"calls {trigger.function}(), not {strip_call(expect.function)[0]}()")
    if differences:
        findings.append(
            drift_finding(
                "trigger_mismatch",
                obj,
                f"Trigger {expect.name} on {qual_table} {'; '.join(differences)}.",
                "Re-create the trigger in a migration (DROP TRIGGER, then CREATE TRIGGER as declared), "
                "or update [[expect.triggers]] if the change is intended.",
                expected=declared,
                actual=actual,
            )
        )
    return findings


def _trigger_spec(expect: ExpectTrigger, obj: str) -> tuple[str | None, tuple[str, ...] | None]:
    timing = None
    if expect.timing is not None:
        timing = " ".join(expect.timing.lower().replace("_", " ").split())
        if timing not in _TIMINGS:
            raise ConfigError(
                f"[[expect.triggers]] {obj}: `timing` must be one of {', '.join(_TIMINGS)}, "
                f"got {expect.timing!r}."
            )
    events = None
    if expect.events is not None:
        events = tuple(sorted({e.strip().lower() for e in expect.events}))
        unknown = [e for e in events if e not in _EVENTS]
        if unknown or not events:
            raise ConfigError(
                f"[[expect.triggers]] {obj}: `events` must list some of {', '.join(_EVENTS)}, "
                f"got {list(expect.events)!r}."
            )
    return timing, events


def _trigger_facts(trigger: Trigger) -> dict[str, Any]:
    return {
        "enabled": trigger.enabled,
        "timing": trigger.timing,
        "events": list(trigger.events),
        "level": trigger.level,
        "function": trigger.function,
        "definition": trigger.definition,
    }


def _verb(events: tuple[str, ...]) -> str:
    return " or ".join(e.upper() for e in events) if events else "its events"
