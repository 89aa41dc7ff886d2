"""The words of findings on composite types, grants and owners (collations read well generically)."""

from __future__ import annotations

from ..catalog.kinds import Attribute
from ._column_messages import Described
from .changes import EnumChange
from .kind_changes import CompositeTypeChange, DefaultPrivilegeChange, GrantChange, OwnerChange


def _spell(a: Attribute) -> str:
    return f"{a.name} {a.type}" + (f' COLLATE "{a.collation}"' if a.collation else "")


def composite_mismatch(c: CompositeTypeChange) -> Described:
    e, a = c.expected, c.actual
    assert e is not None and a is not None
    want = ", ".join(_spell(x) for x in e.attributes)
    have = ", ".join(_spell(x) for x in a.attributes)
    return (
        f"Composite type {c.object} has attributes ({have}) but the expected schema has ({want}).",
        "Apply the fix SQL (ALTER TYPE); code that builds or reads its values by position breaks meanwhile.",
        {"expected": [_spell(x) for x in e.attributes], "actual": [_spell(x) for x in a.attributes]},
    )


def grant(c: GrantChange) -> Described:
    g = c.expected or c.actual
    assert g is not None
    on = f"{g.target.replace('_', ' ')} {g.object}"
    option = " WITH GRANT OPTION" if g.grantable else ""
    facts = {"target": g.target, "object": g.object, "grantee": g.grantee, "privilege": g.privilege}
    if c.expected is not None:
        return (
            f"Role {g.grantee} lacks {g.privilege}{option} on {on}: what needs it fails with permission denied.",
            "Grant it with the fix SQL (the role must exist on this server).",
            {"expected": {**facts, "grantable": g.grantable}, "actual": None},
        )
    return (
        f"Role {g.grantee} holds {g.privilege}{option} on {on}, which the expected database does not grant.",
        "Revoke it with the fix SQL if it is not meant to be there, or grant it on the expected side too.",
        {"expected": None, "actual": {**facts, "grantable": g.grantable}},
    )


def owner(c: OwnerChange) -> Described:
    e, a = c.expected, c.actual
    assert e is not None and a is not None
    return (
        f"{e.target.replace('_', ' ').capitalize()} {e.object} is owned by {a.owner}, expected {e.owner}.",
        "Change the owner with the fix SQL; the owner may alter and drop it, and migrations run as another "
        "role fail with must be owner.",
        {"expected": {"owner": e.owner}, "actual": {"owner": a.owner}},
    )


def default_privilege(c: DefaultPrivilegeChange) -> Described:
    d = c.expected or c.actual
    assert d is not None
    where = f" in schema {d.schema}" if d.schema else ""
    facts = {
        "role": d.role,
        "schema": d.schema,
        "on": d.on,
        "grantee": d.grantee,
        "privilege": d.privilege,
        "grantable": d.grantable,
        "revoked": d.revoked,
    }
    # What the next object the role creates gets, on this side and on the expected one.
    gets = (c.expected is not None) != d.revoked
    verb, here = ("give", "do not") if gets else ("do not give", "do")
    return (
        f"The expected database's default privileges {verb} {d.grantee} {d.privilege} on the {d.on} "
        f"{d.role} creates{where}, and this one's {here}: the next migration's new objects differ in "
        "what they grant.",
        "Apply the fix SQL (ALTER DEFAULT PRIVILEGES, run as the role or a member of it); existing "
        "objects are not changed by it.",
        {
            "expected": facts if c.expected is not None else None,
            "actual": facts if c.actual is not None else None,
        },
    )


def enum_extra_labels(c: EnumChange, *, models: str | None) -> Described:
    """Live has labels the code does not: a warning, fixed in the code (removing a label from the
    database means recreating the type, which fails on, or loses, the rows that use it).

    ``models``: the models' ORM (``sqlalchemy``, ``tortoise``, ...) or None when there are no models."""
    e, a = c.expected, c.actual
    assert e is not None and a is not None
    extra = ", ".join(_literal(label) for label in c.extra_labels)
    adds = "; ".join(
        f"ALTER TYPE {e.qualname} ADD VALUE {_literal(label)}"
        + (f" AFTER {_literal(a.labels[a.labels.index(label) - 1])}" if a.labels.index(label) else "")
        for label in c.extra_labels
    )
    labels = ", ".join(f'"{label}"' for label in a.labels)
    # ``models``: the models' ORM; only SQLAlchemy declares the PostgreSQL type in the model.
    if models == "sqlalchemy":
        model = f'add {extra} to the model\'s `Enum({labels}, name="{e.name}")` and '
    elif models:
        model = f"add {extra} to the Python enum (or choices) the model's field takes and "
    else:
        model = ""
    return (
        f"Enum type {c.object} has labels the code does not know: {extra} (the database has "
        f"({', '.join(a.labels)}), the code expects ({', '.join(e.labels)})).",
        "Every value the code writes is accepted; a row holding the extra label reaches code that does not "
        f"expect it. Fix the code: {model}record the label in a migration (`{adds}`). Removing it from the "
        "database would recreate the type and fail on (or lose) the rows that use it: no fix SQL is offered.",
        {"expected": list(e.labels), "actual": list(a.labels), "extra_labels": list(c.extra_labels)},
    )


def _literal(label: str) -> str:
    quoted = label.replace("'", "''")
    return f"'{quoted}'"
