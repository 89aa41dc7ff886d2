"""Declared objects (``[[expect.*]]`` in the config) checked against a schema: triggers, functions, and more.

Unlike the other sources, declarations do not describe the whole schema: each
one names an object the service relies on (the trigger that creates chat rooms,
the index a hot query needs) and says what must be true of it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from .. import codes
from ..catalog.model import Function, Index, Schema, Table, Trigger
from ..config import (
    Expectations,
    ExpectConstraint,
    ExpectExtension,
    ExpectFunction,
    ExpectIndex,
    ExpectSetting,
    ExpectTrigger,
)
from ..errors import ConfigError
from ..findings import Finding

__all__ = ["LiveSetting", "check", "check_settings"]

_TIMINGS = ("before", "after", "instead of")
_EVENTS = ("delete", "insert", "truncate", "update")
_CONSTRAINT_KINDS = {
    "primary_key": "primary_key",
    "pk": "primary_key",
    "unique": "unique",
    "foreign_key": "foreign_key",
    "fk": "foreign_key",
    "check": "check",
    "exclusion": "exclusion",
    "exclude": "exclusion",
}


def check(expect: Expectations, schema: Schema) -> list[Finding]:
    """One finding per declaration that ``schema`` does not satisfy; ``[]`` when all hold."""
    findings: list[Finding] = []
    for trigger in expect.triggers:
        findings += _check_trigger(trigger, schema)
    for function in expect.functions:
        findings += _check_function(function, schema)
    for index in expect.indexes:
        findings += _check_index(index, schema)
    for extension in expect.extensions:
        findings += _check_extension(extension, schema)
    for constraint in expect.constraints:
        findings += _check_constraint(constraint, schema)
    return findings


@dataclass(frozen=True)
class LiveSetting:
    """A server setting as a new session of pgwarden's role sees it, and the overrides stored for it."""

    name: str
    value: str
    overrides: tuple[tuple[str | None, str | None, str], ...] = ()
    """``(role, database, value)`` of each ``ALTER ROLE/DATABASE ... SET`` (``None``: every role/database)."""


def check_settings(expected: tuple[ExpectSetting, ...], live: dict[str, LiveSetting]) -> list[Finding]:
    """One finding per declared setting that a session (this one, or another role's) would not see."""
    return [f for f in (_check_setting(e, live.get(e.name.strip().lower())) for e in expected) if f]


# --- helpers ---------------------------------------------------------------------------


def _finding(
    kind: str,
    obj: str,
    message: str,
    hint: str,
    *,
    fix: sql.Composable | None = None,
    expected: Any = None,
    actual: Any = None,
) -> Finding:
    return codes.finding(
        kind,
        obj,
        message,
        hint,
        source="drift",
        fix_sql=fix.as_string(None) if fix is not None else None,
        evidence={"expected": expected, "actual": actual},
    )


def _declared(obj: Any) -> dict[str, Any]:
    """A declaration as evidence: only the keys the user set (or that have meaning)."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(obj).items() if v is not None
    }


def _split(name: str, schema: str) -> tuple[str, str]:
    """``app.bookings`` may be written in ``table`` instead of ``schema = "app"``."""
    if "." in name and schema == "public":
        first, rest = name.split(".", 1)
        return first, rest
    return schema, name


def _no_table(kind: str, obj: str, what: str, table: str, section: str, expected: Any) -> Finding:
    return _finding(
        kind,
        obj,
        f"{what} cannot exist because table {table} does not exist.",
        f"Create the table (have the migrations run?), or fix `table` in [[expect.{section}]].",
        expected=expected,
        actual=None,
    )


def _strip_call(name: str) -> tuple[str, str | None]:
    """``f(integer, text)`` -> (``f``, ``integer, text``); ``f`` -> (``f``, None)."""
    match = re.fullmatch(r"\s*([^()]+?)\s*\((.*)\)\s*", name)
    if match:
        return match[1], match[2]
    return name.strip(), None


# --- triggers --------------------------------------------------------------------------


def _check_trigger(expect: ExpectTrigger, schema: Schema) -> list[Finding]:
    nsp, table_name = _split(expect.table, expect.schema)
    qual_table = f"{nsp}.{table_name}"
    obj = f"{qual_table}.{expect.name}"
    declared = _declared(expect)
    timing, events = _trigger_spec(expect, obj)
    table = schema.table(qual_table)
    if table is None:
        return [_no_table("missing_trigger", obj, f"Trigger {expect.name}", qual_table, "triggers", declared)]
    trigger = table.trigger_map.get(expect.name)
    if trigger is None:
        elsewhere = sorted(t.qualname for t in schema.tables for tr in t.triggers if tr.name == expect.name)
        hint = "Create it in a migration (CREATE TRIGGER ... ON " + qual_table
        if expect.function:
            hint += f" ... EXECUTE FUNCTION {_strip_call(expect.function)[0]}()"
        hint += ") and run the migrations."
        if elsewhere:
            hint += f" A trigger with that name exists on {', '.join(elsewhere)}: is `table` right?"
        return [
            _finding(
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
            _finding(
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
            _finding(
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
    if expect.function is not None and not _same_function(expect.function, trigger.function):
        differences.append(f"calls {trigger.function}(), not {_strip_call(expect.function)[0]}()")
    if differences:
        findings.append(
            _finding(
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


def _same_function(declared: str, actual: str) -> bool:
    name = _strip_call(declared)[0]
    return name == actual if "." in name else name == actual.rsplit(".", 1)[-1]


# --- functions -------------------------------------------------------------------------

_TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float8": "double precision",
    "float": "double precision",
    "float4": "real",
    "bool": "boolean",
    "varchar": "character varying",
    "char": "character",
    "decimal": "numeric",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
    "varbit": "bit varying",
}
_MODES = {"in", "out", "inout", "variadic"}


def _split_args(arguments: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in arguments:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _norm_type(text: str) -> str:
    text = re.sub(r"\([^)]*\)", "", text.lower())  # identity arguments never carry a typmod
    suffix = ""
    while text.rstrip().endswith("[]"):
        text = text.rstrip()[:-2]
        suffix += "[]"
    text = " ".join(text.split())
    return _TYPE_ALIASES.get(text, text) + suffix


def _arg_forms(arg: str) -> set[str]:
    """The ways one printed argument can be matched: with and without its name and mode."""
    words = arg.split()
    if words and words[0].lower() in _MODES:
        words = words[1:]
    forms = {_norm_type(" ".join(words))}
    if len(words) > 1:
        forms.add(_norm_type(" ".join(words[1:])))
    return forms


def _same_arguments(declared: str, actual: str) -> bool:
    want, have = _split_args(declared), _split_args(actual)
    if len(want) != len(have):
        return False
    return all(_arg_forms(w) & _arg_forms(h) for w, h in zip(want, have, strict=True))


def _same_hash(declared: str, actual: str) -> bool:
    want = declared.lower().removeprefix("sha256:").strip()
    have = actual.lower().removeprefix("sha256:")
    return want == have or (len(want) >= 8 and have.startswith(want))


def _check_function(expect: ExpectFunction, schema: Schema) -> list[Finding]:
    name, call_args = _strip_call(expect.name)
    nsp, name = _split(name, expect.schema)
    arguments = expect.arguments if expect.arguments is not None else call_args
    obj = f"{nsp}.{name}({arguments})" if arguments is not None else f"{nsp}.{name}"
    declared = _declared(expect)
    overloads = [f for f in schema.functions if f.schema == nsp and f.name == name]
    matching = [f for f in overloads if arguments is None or _same_arguments(arguments, f.arguments)]
    if not matching:
        elsewhere = sorted(f.qualname for f in schema.functions if f.name == name and f.schema != nsp)
        if overloads:
            message = f"Function {obj} does not exist; only {', '.join(f.qualname for f in overloads)} does."
        else:
            message = f"Function {obj} does not exist, so triggers and queries that call it fail."
        hint = "Create it in a migration (CREATE OR REPLACE FUNCTION ...) and run the migrations."
        if elsewhere:
            hint += f" It exists as {', '.join(elsewhere)}: is `schema` right in [[expect.functions]]?"
        return [
            _finding(
                "missing_function",
                obj,
                message,
                hint,
                expected=declared,
                actual=[f.qualname for f in overloads] or None,
            )
        ]
    if expect.language is None and expect.body_hash is None:
        return []
    if any(_function_ok(expect, f) for f in matching):
        return []
    found = matching[0]
    differences = []
    if expect.language is not None and found.language != expect.language.lower():
        differences.append(f"is written in {found.language}, not {expect.language}")
    if expect.body_hash is not None and not _same_hash(expect.body_hash, found.body_hash):
        differences.append(f"has body hash {found.body_hash[:12]}, not {expect.body_hash[:12]}")
    return [
        _finding(
            "function_changed",
            found.qualname,
            f"Function {found.qualname} {' and '.join(differences)}: it was changed since it was declared.",
            "Re-create it from the migration that defines it (CREATE OR REPLACE FUNCTION), or update "
            "[[expect.functions]] if the change is intended.",
            expected=declared,
            actual=[_function_facts(f) for f in matching],
        )
    ]


def _function_ok(expect: ExpectFunction, f: Function) -> bool:
    if expect.language is not None and f.language != expect.language.lower():
        return False
    return expect.body_hash is None or _same_hash(expect.body_hash, f.body_hash)


def _function_facts(f: Function) -> dict[str, Any]:
    return {"function": f.qualname, "language": f.language, "body_hash": f.body_hash}


# --- indexes ---------------------------------------------------------------------------


def _check_index(expect: ExpectIndex, schema: Schema) -> list[Finding]:
    nsp, table_name = _split(expect.table, expect.schema)
    qual_table = f"{nsp}.{table_name}"
    if expect.name is None and not expect.columns:
        raise ConfigError(f"[[expect.indexes]] on {qual_table}: give the index's `name`, or its `columns`.")
    cols = list(expect.columns) if expect.columns else None
    label = expect.name or f"({', '.join(cols or ())})"
    obj = f"{qual_table}.{expect.name}" if expect.name else f"{qual_table}{label}"
    what = (
        f"index {expect.name}"
        if expect.name
        else f"{'a unique ' if expect.unique else 'an '}index on {label}"
    )
    declared = _declared(expect)
    table = schema.table(qual_table)
    if table is None:
        return [_no_table("missing_index", obj, what[0].upper() + what[1:], qual_table, "indexes", declared)]
    if expect.name is not None:
        index = table.index_map.get(expect.name)
    else:
        index = next((i for i in table.indexes if _index_matches(expect, i)), None)
    if index is None:
        return [_missing_index(expect, table, obj, what, declared)]
    if not index.valid:
        return [
            _finding(
                "invalid_index",
                obj,
                f"Index {index.name} on {qual_table} is invalid (a CREATE INDEX CONCURRENTLY failed "
                "part-way), so queries cannot use it.",
                "Rebuild it with the statement below.",
                fix=sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(sql.Identifier(nsp, index.name)),
                expected=declared,
                actual=_index_facts(index),
            )
        ]
    if not _index_matches(expect, index):
        return [
            _finding(
                "index_mismatch",
                obj,
                f"Index {index.name} on {qual_table} is {_describe_index(index.columns, index.unique)}, "
                f"but {_describe_index(expect.columns, expect.unique)} is declared.",
                "Re-create it in a migration (DROP INDEX CONCURRENTLY, then CREATE INDEX CONCURRENTLY as "
                "declared), or update [[expect.indexes]] if the change is intended.",
                expected=declared,
                actual=_index_facts(index),
            )
        ]
    return []


def _index_matches(expect: ExpectIndex, index: Index) -> bool:
    if expect.columns is not None and tuple(expect.columns) != index.columns:
        return False
    return expect.unique is None or expect.unique == index.unique


def _describe_index(columns: tuple[str, ...] | None, unique: bool | None) -> str:
    text = "unique on" if unique else "on" if unique is None else "non-unique on"
    return f"{text} ({', '.join(columns)})" if columns else ("unique" if unique else "non-unique")


def _index_facts(index: Index) -> dict[str, Any]:
    return {
        "name": index.name,
        "columns": list(index.columns),
        "unique": index.unique,
        "valid": index.valid,
        "definition": index.definition,
    }


def _missing_index(expect: ExpectIndex, table: Table, obj: str, what: str, declared: Any) -> Finding:
    nsp, name = table.schema, table.name
    fix: sql.Composable | None = None
    if expect.columns:
        head = sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY" if expect.unique else "CREATE INDEX CONCURRENTLY")
        parts: list[sql.Composable] = [head]
        if expect.name:
            parts.append(sql.Identifier(expect.name))
        parts.append(
            sql.SQL("ON {} ({})").format(
                sql.Identifier(nsp, name), sql.SQL(", ").join(sql.Identifier(c) for c in expect.columns)
            )
        )
        fix = sql.SQL(" ").join(parts)
    hint = "Create it in a migration marked `-- pgwarden: no-transaction` (the statement below)."
    if fix is None:
        hint = "Create it in a migration (CREATE INDEX CONCURRENTLY ... ON " + table.qualname + " (...))."
    if expect.name and expect.columns:
        same = [i.name for i in table.indexes if i.columns == tuple(expect.columns)]
        if same:
            hint += f" An index on the same columns exists as {', '.join(same)}: is `name` right?"
    return _finding(
        "missing_index",
        obj,
        f"The {what} on {table.qualname} does not exist, so queries that need it scan the table."
        if expect.name
        else f"There is no {what} on {table.qualname}, so queries that need it scan the table.",
        hint,
        fix=fix,
        expected=declared,
        actual=[_index_facts(i) for i in table.indexes] or None,
    )


# --- extensions ------------------------------------------------------------------------


def _check_extension(expect: ExpectExtension, schema: Schema) -> list[Finding]:
    declared = _declared(expect)
    found = schema.extension_map.get(expect.name)
    ident = sql.Identifier(expect.name)
    if found is None:
        return [
            _finding(
                "missing_extension",
                expect.name,
                f"Extension {expect.name} is not installed, so the types and functions it provides are missing.",
                "Install it (the statement below needs a role allowed to create extensions).",
                fix=sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(ident),
                expected=declared,
                actual=None,
            )
        ]
    if expect.version is not None and found.version != expect.version:
        return [
            _finding(
                "extension_version_mismatch",
                expect.name,
                f"Extension {expect.name} is at version {found.version}, but {expect.version} is declared.",
                "Update it (the statement below; the server must have that version's files), or update "
                "`version` in [[expect.extensions]].",
                fix=sql.SQL("ALTER EXTENSION {} UPDATE TO {}").format(ident, sql.Literal(expect.version)),
                expected=declared,
                actual={"name": found.name, "version": found.version, "schema": found.schema},
            )
        ]
    return []


# --- constraints -----------------------------------------------------------------------


def _check_constraint(expect: ExpectConstraint, schema: Schema) -> list[Finding]:
    nsp, table_name = _split(expect.table, expect.schema)
    qual_table = f"{nsp}.{table_name}"
    obj = f"{qual_table}.{expect.name}"
    declared = _declared(expect)
    kind = None
    if expect.kind is not None:
        kind = _CONSTRAINT_KINDS.get(expect.kind.lower().replace(" ", "_").replace("-", "_"))
        if kind is None:
            raise ConfigError(
                f"[[expect.constraints]] {obj}: `kind` must be one of primary_key, unique, foreign_key, "
                f"check, exclusion; got {expect.kind!r}."
            )
    table = schema.table(qual_table)
    if table is None:
        what = f"Constraint {expect.name}"
        return [_no_table("missing_constraint", obj, what, qual_table, "constraints", declared)]
    found = table.constraint_map.get(expect.name)
    if found is None:
        return [
            _finding(
                "missing_constraint",
                obj,
                f"Constraint {expect.name} on {qual_table} does not exist, so the rule it enforces is not "
                "enforced.",
                "Add it in a migration (ALTER TABLE ... ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT).",
                expected=declared,
                actual=sorted(table.constraint_map) or None,
            )
        ]
    facts = {
        "name": found.name,
        "kind": found.kind,
        "definition": found.definition,
        "validated": found.validated,
    }
    if kind is not None and found.kind != kind:
        return [
            _finding(
                "constraint_mismatch",
                obj,
                f"Constraint {expect.name} on {qual_table} is a {found.kind.replace('_', ' ')} constraint, "
                f"not a {kind.replace('_', ' ')} constraint as declared.",
                "Re-create it in a migration, or fix `kind` in [[expect.constraints]].",
                expected=declared,
                actual=facts,
            )
        ]
    if not found.validated:
        return [
            _finding(
                "constraint_not_validated",
                obj,
                f"Constraint {expect.name} on {qual_table} was added NOT VALID and never validated, so "
                "existing rows may break it.",
                "Validate it (the statement below scans the table without blocking writes).",
                fix=sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
                    sql.Identifier(nsp, table_name), sql.Identifier(expect.name)
                ),
                expected=declared,
                actual=facts,
            )
        ]
    return []


# --- settings --------------------------------------------------------------------------

_WHY = {
    "session_replication_role": "with `replica`, ordinary triggers and foreign-key checks do not fire, "
    "so rows the triggers should create are silently missing",
}


def _same_value(declared: str, actual: str) -> bool:
    return declared.strip().strip("'").lower() == actual.strip().lower()


def _reset(role: str | None, database: str | None, name: str) -> sql.Composed:
    setting = sql.Identifier(name)
    if role and database:
        return sql.SQL("ALTER ROLE {} IN DATABASE {} RESET {}").format(
            sql.Identifier(role), sql.Identifier(database), setting
        )
    if role:
        return sql.SQL("ALTER ROLE {} RESET {}").format(sql.Identifier(role), setting)
    if database:
        return sql.SQL("ALTER DATABASE {} RESET {}").format(sql.Identifier(database), setting)
    return sql.SQL("ALTER ROLE ALL RESET {}").format(setting)


def _scope(role: str | None, database: str | None) -> str:
    who = f"role {role}" if role else "every role"
    return f"{who} in {'database ' + database if database else 'every database'}"


def _check_setting(expect: ExpectSetting, live: LiveSetting | None) -> Finding | None:
    name = expect.name.strip().lower()
    obj = f"setting.{name}"
    declared = _declared(expect)
    if live is None:
        return _finding(
            "setting_mismatch",
            obj,
            f"Setting {name} does not exist on this server, so it cannot be {expect.value!r}.",
            "Check the spelling of `name` in [[expect.settings]] (SHOW ALL lists the settings).",
            expected=declared,
            actual=None,
        )
    wrong = [(r, d, v) for r, d, v in live.overrides if not _same_value(expect.value, v)]
    here = not _same_value(expect.value, live.value)
    if not here and not wrong:
        return None
    problems = []
    if here:
        problems.append(f"is {live.value!r} in a new session")
    problems += [f"is set to {v!r} for {_scope(r, d)}" for r, d, v in wrong]
    why = _WHY.get(name)
    message = f"Setting {name} {'; '.join(problems)}, but {expect.value!r} is declared"
    message += f": {why}." if why else "."
    fixes: list[sql.Composable] = [_reset(r, d, name) for r, d, _ in wrong]
    if here and not any(_same_value(live.value, v) for _, _, v in wrong):
        fixes.append(
            sql.SQL("ALTER SYSTEM SET {} = {}").format(
                sql.Identifier(name), sql.Literal(expect.value.strip())
            )
        )
        fixes.append(sql.SQL("SELECT pg_reload_conf()"))
    hint = (
        "Reset the override with the statements below (a superuser may be needed), reconnect the service, "
        "and repair rows written meanwhile (invariants find them)."
    )
    return _finding(
        "setting_mismatch",
        obj,
        message,
        hint,
        fix=sql.SQL("; ").join(fixes) if fixes else None,
        expected=declared,
        actual={
            "value": live.value,
            "overrides": [{"role": r, "database": d, "value": v} for r, d, v in live.overrides],
        },
    )
