"""Comparing collations, composite types and function comments (the kinds added for completeness)."""

from __future__ import annotations

from ..catalog.kinds import Collation, DefaultPrivilege, Grant
from ..catalog.model import Schema
from .changes import Change, ColumnUse, FunctionChange, TableChange, ViewChange
from .kind_changes import (
    CollationChange,
    CompositeTypeChange,
    DefaultPrivilegeChange,
    GrantChange,
    OwnerChange,
)


def collations(expected: Schema, actual: Schema, out: list[Change]) -> None:
    if expected.collations == actual.collations:
        return
    em, am = expected.collation_map, actual.collation_map
    out += [CollationChange("missing_collation", em[k], None) for k in sorted(em.keys() - am.keys())]
    out += [
        CollationChange(
            "collation_definition_mismatch", em[k], am[k], _collation_uses(expected, actual, am[k])
        )
        for k in sorted(em.keys() & am.keys())
        if em[k] != am[k]
    ]
    out += [CollationChange("extra_collation", None, am[k]) for k in sorted(am.keys() - em.keys())]


def _collation_uses(expected: Schema, actual: Schema, c: Collation) -> tuple[ColumnUse, ...]:
    """Actual columns of collation ``c`` that keep it on the expected side (others change anyway).

    Columns name their collation without its schema (``columns.sql``), so the name decides.
    """
    uses = []
    for t in actual.tables:
        target = expected.table(t.qualname)
        for col in t.columns:
            want = target.column(col.name) if target is not None else None
            if (
                col.collation == c.name
                and want is not None
                and want.collation == c.name
                and not col.inherited
            ):
                uses.append(ColumnUse(t.schema, t.name, col.name, col.type))
    return tuple(uses)


def composite_types(expected: Schema, actual: Schema, out: list[Change]) -> None:
    if expected.composite_types == actual.composite_types:
        return
    em, am = expected.composite_map, actual.composite_map
    out += [CompositeTypeChange("missing_composite_type", em[k], None) for k in sorted(em.keys() - am.keys())]
    out += [
        CompositeTypeChange("composite_type_mismatch", em[k], am[k])
        for k in sorted(em.keys() & am.keys())
        if em[k] != am[k]
    ]
    out += [CompositeTypeChange("extra_composite_type", None, am[k]) for k in sorted(am.keys() - em.keys())]


def function_comments(expected: Schema, actual: Schema, out: list[Change]) -> None:
    """A comment that differs on a function both sides have (a new function gets its own with it)."""
    am = actual.function_map
    for qualname, e in expected.function_map.items():
        a = am.get(qualname)
        if a is not None and e.comment != a.comment:
            out.append(FunctionChange("comment_mismatch", e, a))


def privileges(expected: Schema, actual: Schema, out: list[Change]) -> None:
    """Owners and grants, when both sides were read with them (``Schema.privileges_read``).

    Grants on an object the script drops go with it; grants on an object it creates are
    missing like any other, so a new table gets the GRANT the bot's role needs.
    """
    if not (expected.privileges_read and actual.privileges_read):
        return
    owners = {o.object: o for o in actual.owners}
    for o in expected.owners:
        a = owners.get(o.object)
        if a is not None and a.owner != o.owner:
            out.append(OwnerChange("owner_mismatch", o, a))
    want_defaults, have_defaults = set(expected.default_privileges), set(actual.default_privileges)
    out += [
        DefaultPrivilegeChange("missing_grant", d, None)
        for d in sorted(want_defaults - have_defaults, key=_key)
    ]
    out += [
        DefaultPrivilegeChange("extra_grant", None, d)
        for d in sorted(have_defaults - want_defaults, key=_key)
    ]
    recreated = _recreated(out)
    if expected.grants == actual.grants and not recreated:
        return
    kept = {o.object for o in expected.owners}
    # A relation the script drops and creates again loses its grants: they are granted anew.
    have = {g for g in actual.grants if _relation(g) not in recreated}
    want = set(expected.grants)
    out += [GrantChange("missing_grant", g, None) for g in sorted(want - have, key=_order)]
    out += [
        GrantChange("extra_grant", None, g) for g in sorted(have - want, key=_order) if _relation(g) in kept
    ]


def _relation(g: Grant) -> str:
    return g.object.rpartition(".")[0] if g.target == "column" else g.object


def _recreated(out: list[Change]) -> set[str]:
    """Tables and views the changes so far drop and create again (with the views that read them)."""
    names: set[str] = set()
    for c in out:
        if isinstance(c, (TableChange, ViewChange)) and c.recreate and c.expected is not None:
            names.add(c.expected.qualname)
            if isinstance(c, ViewChange):
                names |= {v.qualname for v in c.dependents}
    return names


def _key(d: DefaultPrivilege) -> tuple[str, ...]:
    return (d.role, d.schema or "", d.on, d.grantee, d.privilege)


def _order(g: Grant) -> tuple[str, ...]:
    return (g.object, g.grantee, g.privilege)
