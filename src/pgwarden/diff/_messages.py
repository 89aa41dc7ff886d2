"""The words of a drift finding: one sentence for a tired operator, a hint, and the evidence."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..catalog.model import Extension, Index, Table
from . import _kind_messages as kind_messages
from . import model_code
from ._column_messages import Described, describe_column, show
from .changes import (
    Change,
    ColumnChange,
    ConstraintChange,
    DomainChange,
    EnumChange,
    ExtensionChange,
    FunctionChange,
    IndexChange,
    PolicyChange,
    SchemaChange,
    SequenceChange,
    TableChange,
    TriggerChange,
    ViewChange,
)
from .kind_changes import CompositeTypeChange, DefaultPrivilegeChange, GrantChange, OwnerChange

_NOUN = {
    "schema": "Schema",
    "table": "Table",
    "column": "Column",
    "index": "Index",
    "constraint": "Constraint",
    "trigger": "Trigger",
    "function": "Function",
    "view": "View",
    "sequence": "Sequence",
    "enum": "Enum type",
    "domain": "Domain",
    "extension": "Extension",
    "policy": "Policy",
    "collation": "Collation",
    "composite_type": "Composite type",
    "grant": "Grant",
    "owner": "Owner of",
}


def describe(change: Change, attributes: Mapping[str, str]) -> Described:
    """(message, hint, evidence) for ``change``."""
    if isinstance(change, ColumnChange):
        return describe_column(change, attributes)
    if isinstance(change, TableChange):
        return _table(change, attributes)
    if isinstance(change, TriggerChange):
        return _trigger(change)
    if isinstance(change, FunctionChange):
        return _function(change)
    if isinstance(change, CompositeTypeChange) and change.kind == "composite_type_mismatch":
        return kind_messages.composite_mismatch(change)
    if isinstance(change, GrantChange):
        return kind_messages.grant(change)
    if isinstance(change, OwnerChange):
        return kind_messages.owner(change)
    if isinstance(change, DefaultPrivilegeChange):
        return kind_messages.default_privilege(change)
    if isinstance(change, EnumChange) and change.extra_labels:
        return kind_messages.enum_extra_labels(change, models=model_code.models_style(attributes))
    if isinstance(change, EnumChange) and change.kind == "enum_labels_mismatch":
        e, a = change.expected, change.actual
        assert e is not None and a is not None
        how = (
            "labels were removed or reordered, so the type must be recreated"
            if change.recreate
            else "new labels can be added in place"
        )
        return (
            f"Enum type {change.object} has labels {_list(a.labels)} but the code expects {_list(e.labels)}.",
            f"Values the database does not know are rejected on insert; {how}.",
            {"expected": list(e.labels), "actual": list(a.labels)},
        )
    if isinstance(change, IndexChange) and change.kind == "invalid_index":
        return (
            f"Index {change.object} exists but is invalid (a CREATE INDEX CONCURRENTLY that failed), "
            "so queries do not use it and a unique one does not enforce uniqueness.",
            "Rebuild it: REINDEX INDEX (or drop it and CREATE INDEX CONCURRENTLY again outside a transaction).",
            {"expected": {"valid": True}, "actual": {"valid": False}},
        )
    if isinstance(change, ConstraintChange) and change.kind == "constraint_not_validated":
        return (
            f"Constraint {change.object} was added NOT VALID and never validated: "
            "existing rows may violate it.",
            "Run VALIDATE CONSTRAINT; it scans the table without blocking writes.",
            {"expected": {"validated": True}, "actual": {"validated": False}},
        )
    return _generic(change)


def _table(c: TableChange, attributes: Mapping[str, str]) -> Described:
    e, a = c.expected, c.actual
    if c.kind == "missing_table" and e is not None:
        return (
            f"Table {c.object} is expected but does not exist: every query on it fails.",
            "Create it with the fix SQL or run the migration that creates it. If the database lost "
            "tables it had, restore from a backup before recreating them empty.",
            {"expected": _table_facts(e), "actual": None},
        )
    if c.kind == "extra_table" and a is not None:
        return (
            f"Table {c.object} exists in the database but not in the expected schema.",
            "Add it to the model if the code should know it, or drop it once nothing uses it "
            "(destructive: its rows are lost).",
            {"expected": None, "actual": _table_facts(a)},
        )
    assert e is not None and a is not None
    if c.kind == "probable_rename":
        return (
            f"Table {e.qualname} is expected but the database has {a.qualname} with the same columns: "
            "probably renamed on one side only.",
            _table_rename_hint(e, a, attributes),
            {"expected": e.qualname, "actual": a.qualname},
        )
    if c.kind == "comment_mismatch":
        return (
            f"Table {c.object} has comment {show(a.comment)} but the expected schema says {show(e.comment)}.",
            "Comments are documentation only; update whichever side is stale.",
            {"expected": e.comment, "actual": a.comment},
        )
    names = (
        "kind",
        "partition_key",
        "partition_of",
        "partition_bound",
        "rls_enabled",
        "rls_forced",
        "unlogged",
        "inherits",
    )
    differ = [n for n in names if getattr(e, n) != getattr(a, n)]
    how = (
        "The table must be recreated to change its partitioning: copy the rows out first."
        if c.recreate
        else "Apply the fix SQL."
    )
    return (
        f"Table {c.object} differs in {', '.join(n.replace('_', ' ') for n in differ)}.",
        how + (" An UNLOGGED table is emptied after a crash." if "unlogged" in differ else ""),
        {"expected": {n: getattr(e, n) for n in differ}, "actual": {n: getattr(a, n) for n in differ}},
    )


def _table_rename_hint(e: Table, a: Table, attributes: Mapping[str, str]) -> str:
    """Keep the database's name: in the model's class when there are models, else in a migration."""
    if not attributes:  # no models: the expected side is migrations or a snapshot
        return (
            "Either rename the table in the database (the fix SQL), or, if the database's name is the one to "
            "keep, record the rename in a migration."
        )
    classes = {
        v.rpartition(".")[0] for k, v in attributes.items() if k.startswith(f"{e.qualname}.") and "#" not in k
    }
    model = f"class {classes.pop()}" if len(classes) == 1 else "the model"
    style = model_code.table_style(attributes, e.qualname)
    declared = model_code.table_name(style, a.name, a.schema if a.schema != e.schema else None)
    return (
        f"Either rename the table in the database (the fix SQL), or keep it and point {model} at it with "
        f"{declared}."
    )


def _table_facts(t: Table) -> dict[str, Any]:
    return {"columns": {c.name: c.type for c in t.columns}, "kind": t.kind}


# triggers and functions


def _trigger(c: TriggerChange) -> Described:
    e, a = c.expected, c.actual
    if c.kind == "trigger_disabled" and e is not None and a is not None:
        why = (
            "it is enabled for replica sessions only, and replica triggers do not fire in normal sessions"
            if a.enabled == "replica"
            else "it is disabled and never fires"
        )
        return (
            f"Trigger {c.object} exists but {why}: rows it should create or change are missing.",
            "Enable it with the fix SQL, then repair the rows written while it was off.",
            {"expected": {"enabled": e.enabled}, "actual": {"enabled": a.enabled}},
        )
    if c.kind == "missing_trigger" and e is not None:
        return (
            f"Trigger {c.object} is expected but does not exist: whatever it should do on "
            f"{' or '.join(e.events).upper()} does not happen.",
            "Create it with the fix SQL, then repair the rows written without it.",
            {"expected": {"definition": e.definition, "enabled": e.enabled}, "actual": None},
        )
    if c.kind == "trigger_mismatch" and e is not None and a is not None:
        if e.definition == a.definition:
            return (
                f"Trigger {c.object} is {a.enabled} in the database but the expected schema has it {e.enabled}.",
                "Set its state with the fix SQL.",
                {"expected": {"enabled": e.enabled}, "actual": {"enabled": a.enabled}},
            )
        return (
            f"Trigger {c.object} differs in timing, events, condition or function from the expected one.",
            "Recreate it with the fix SQL.",
            {"expected": e.definition, "actual": a.definition},
        )
    return _generic(c)


def _function(c: FunctionChange) -> Described:
    e, a = c.expected, c.actual
    if c.kind == "function_changed" and e is not None and a is not None:
        names = ("kind", "returns", "language", "volatility", "strict", "security_definer", "body_hash")
        differ = [n for n in names if getattr(e, n) != getattr(a, n)]
        what = ", ".join("body" if n == "body_hash" else n.replace("_", " ") for n in differ)
        return (
            f"Function {c.object} differs in {what} from the expected one.",
            "Replace it with the fix SQL (formatting and comments in the body are not counted as changes).",
            {"expected": {n: getattr(e, n) for n in differ}, "actual": {n: getattr(a, n) for n in differ}},
        )
    return _generic(c)


# everything else


def _generic(c: Change) -> Described:
    noun = _NOUN[c.object_type]
    e, a = c.expected, c.actual
    if c.kind.startswith("missing_"):
        return (
            f"{noun} {c.object} is expected but does not exist.",
            f"Create it with the fix SQL or run the migration that creates it.{_consequence(c)}",
            {"expected": _facts(e), "actual": None},
        )
    if c.kind.startswith("extra_"):
        hint = "Add it to the expected schema if it belongs there, or drop it with the fix SQL."
        if isinstance(a, Index) and a.unique:
            hint = (
                "It keeps duplicates out: most likely the models lack it (unique=True or a UniqueConstraint). "
                "Add it there; drop it with the fix SQL only if duplicates are meant to be allowed."
            )
        return (
            f"{noun} {c.object} exists in the database but not in the expected schema.",
            hint,
            {"expected": None, "actual": _facts(a)},
        )
    if c.kind == "probable_rename":
        assert e is not None and a is not None
        old = getattr(a, "name", a)
        return (
            f"{noun} {c.object} is expected but the database has the same {noun.lower()} named {old}: "
            "probably renamed on one side only.",
            "Rename it with the fix SQL; nothing else differs.",
            {"expected": getattr(e, "name", e), "actual": old},
        )
    if isinstance(c, ExtensionChange) and isinstance(e, Extension) and isinstance(a, Extension):
        where = f" in schema {a.schema} (expected {e.schema})" if e.schema != a.schema else ""
        return (
            f"Extension {c.object} is at version {a.version}{where} but the expected schema has {e.version}.",
            "Update it with the fix SQL; the server must have that version's scripts installed.",
            {
                "expected": {"version": e.version, "schema": e.schema},
                "actual": {"version": a.version, "schema": a.schema},
            },
        )
    differ = _differences(e, a)
    detail = "; ".join(
        f"{name.replace('_', ' ')} is {_brief(av)}, expected {_brief(ev)}" for name, ev, av in differ
    )
    hint = "Apply the fix SQL to bring it in line."
    if isinstance(c, ViewChange) and c.recreate:
        hint = "The view must be dropped and created again (with the views that read it): apply the fix SQL."
    return (
        f"{noun} {c.object} differs from the expected one: {detail}.",
        hint,
        {"expected": {n: ev for n, ev, _ in differ}, "actual": {n: av for n, _, av in differ}},
    )


def _differences(e: object, a: object) -> list[tuple[str, Any, Any]]:
    """(field, expected, actual) for each field that differs between two model objects."""
    if not (dataclasses.is_dataclass(e) and dataclasses.is_dataclass(a)) or isinstance(e, type):
        return [("value", e, a)]
    out = []
    for f in dataclasses.fields(e):
        ev, av = getattr(e, f.name), getattr(a, f.name, None)
        if ev != av and f.name not in ("schema", "name", "table"):
            out.append((f.name, _facts(ev) if dataclasses.is_dataclass(ev) else ev, av))
    return out


def _brief(value: Any) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
        return repr(text if len(text) <= 80 else text[:77] + "...")
    if isinstance(value, tuple):
        return "(" + ", ".join(_brief(v) for v in value) + ")"
    return "none" if value is None else str(value)


def _consequence(c: Change) -> str:
    if isinstance(c, PolicyChange):
        return " Without it, row-level security hides rows or lets through more than it should."
    if isinstance(c, (SequenceChange, DomainChange, EnumChange, ExtensionChange, SchemaChange)):
        return " Objects that use it cannot be created until it exists."
    if isinstance(c, ViewChange):
        return " Queries that read it fail."
    if isinstance(c, IndexChange) and isinstance(c.expected, Index) and c.expected.unique:
        return (
            " Until it exists the database accepts duplicates, and creating it fails if some were"
            " already written: look for them first."
        )
    if isinstance(c, IndexChange):
        return " Queries that rely on it scan the table instead."
    if isinstance(c, ConstraintChange):
        return " Until then the database accepts rows that break it."
    return ""


def _facts(value: object) -> Any:
    if value is None or isinstance(value, str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v for k, v in dataclasses.asdict(value).items() if v not in (None, (), "")}
    return str(value)


def _list(labels: tuple[str, ...]) -> str:
    return "(" + ", ".join(labels) + ")"
