"""The words of a column's drift finding: what differs, what the model should say, the evidence."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..catalog.model import Column
from . import model_code
from ._narrowing import classify
from .changes import ColumnChange
from .model_code import CLASSIC_SUFFIX

__all__ = ["CLASSIC_SUFFIX", "describe_column", "show"]

Described = tuple[str, str, dict[str, Any]]
"""A finding's message, hint and evidence."""

_PYTHON_TYPES = (
    ("timestamp", "datetime"),
    ("date", "date"),
    ("time", "time"),
    ("interval", "timedelta"),
    ("boolean", "bool"),
    ("smallint", "int"),
    ("integer", "int"),
    ("bigint", "int"),
    ("numeric", "Decimal"),
    ("double precision", "float"),
    ("real", "float"),
    ("uuid", "uuid.UUID"),
    ("jsonb", "dict[str, Any]"),
    ("json", "dict[str, Any]"),
    ("bytea", "bytes"),
    ("text", "str"),
    ("character", "str"),
    ("citext", "str"),
)


def show(value: str | None) -> str:
    return "none" if value is None else repr(value) if " " in value or not value else value


def describe_column(c: ColumnChange, attributes: Mapping[str, str]) -> Described:
    e, a = c.expected, c.actual
    table = c.table_qualname
    if c.kind == "missing_column" and e is not None:
        return (
            f"Column {c.object} ({e.type}) is expected but does not exist: queries using it fail "
            "with 'column does not exist'.",
            "Add it with the fix SQL (a NOT NULL column without a default needs one to fill existing rows), "
            "or remove it from the model if the database is right.",
            {"expected": _column_facts(e), "actual": None},
        )
    if c.kind == "extra_column" and a is not None:
        blocks = not a.nullable and a.default is None and a.identity is None and a.generated is None
        effect = (
            "it is NOT NULL without a default, so INSERTs from the code fail"
            if blocks
            else "the code ignores it"
        )
        return (
            f"Column {table}.{a.name} ({a.type}) exists in the database but not in the expected schema: {effect}.",
            "Add it to the model, or drop it if nothing uses it (destructive: its data is lost)"
            + ("; at least give it a default or make it nullable." if blocks else "."),
            {"expected": None, "actual": _column_facts(a)},
        )
    assert e is not None and a is not None
    if c.kind == "probable_rename":
        return _column_rename(c, e, a, attributes)
    style = model_code.style_of(attributes, c.object)
    if c.kind == "type_mismatch":
        narrowing = classify(a.type, e.type)
        model_type = _model_type(attributes, c.object, style, a.type)
        if narrowing is None:
            return (
                f"Column {c.object} is {a.type} in the database but the code expects {e.type}.",
                "Change the type with the fix SQL (it stops on a value it cannot convert), "
                f"or change the model to the database's type{model_type}.",
                {"expected": e.type, "actual": a.type},
            )
        return (
            f"Column {c.object} is {a.type} in the database but the code expects {e.type}, "
            f"which is narrower: a value would be {narrowing.loses}.",
            "The fix SQL first counts the rows whose values would not survive and stops, changing nothing, "
            f"if there are any; change those rows first, or change the model to the database's type{model_type}.",
            {"expected": e.type, "actual": a.type, "narrowing": narrowing.loses},
        )
    if c.kind == "nullability_mismatch":
        if e.nullable:
            return (
                f"Column {c.object} is NOT NULL in the database but the code allows NULL: "
                "inserting or updating NULL fails.",
                "Drop the NOT NULL with the fix SQL, or mark the model column "
                f"{model_code.nullable(style, False)}.",
                {"expected": {"nullable": True}, "actual": {"nullable": False}},
            )
        return (
            f"Column {c.object} allows NULL in the database but the code expects NOT NULL: "
            "rows with NULL can exist that the code does not expect.",
            "Fill the NULLs, then SET NOT NULL with the fix SQL (it scans the table under an exclusive lock).",
            {"expected": {"nullable": False}, "actual": {"nullable": True}},
        )
    if c.kind == "default_mismatch":
        return (
            f"Column {c.object} has default {show(a.default)} in the database but the code expects "
            f"{show(e.default)}.",
            _default_hint(e.default, a.default, style if attributes else None),
            {"expected": e.default, "actual": a.default},
        )
    if c.kind == "identity_mismatch":
        return (
            f"Column {c.object} is {_generation(a)} in the database but the code expects {_generation(e)}.",
            "Align the column with the fix SQL; changing a generated expression rewrites the column.",
            {
                "expected": {"identity": e.identity, "generated": e.generated, "virtual": e.virtual},
                "actual": {"identity": a.identity, "generated": a.generated, "virtual": a.virtual},
            },
        )
    if c.kind == "collation_mismatch":
        return (
            f"Column {c.object} uses collation {show(a.collation)} in the database but the code expects "
            f"{show(e.collation)}: sorting and comparisons differ.",
            "Change the collation with the fix SQL; indexes on the column are rebuilt.",
            {"expected": e.collation, "actual": a.collation},
        )
    return (
        f"Column {c.object} has comment {show(a.comment)} but the expected schema says {show(e.comment)}.",
        "Comments are documentation only; update whichever side is stale.",
        {"expected": e.comment, "actual": a.comment},
    )


def _default_hint(expected: str | None, actual: str | None, style: str | None) -> str:
    if expected and expected.startswith("nextval(") and actual is None:
        return (
            f"Inserts that leave the column out ({_numbered(style)}) fail with a NOT NULL "
            f"error: add the default with the fix SQL, or {_not_numbered(style)} if the code "
            "always supplies the value."
        )
    if expected is None:
        return "Drop the default with the fix SQL (existing rows keep their values), or add it to the model."
    if actual is None:
        return (
            "Add the default with the fix SQL: inserts that leave the column out get it from now on; "
            "existing rows keep their values."
        )
    return "Change the default with the fix SQL: existing rows keep their values; only new inserts get it."


def _column_rename(c: ColumnChange, e: Column, a: Column, attributes: Mapping[str, str]) -> Described:
    table = c.table_qualname
    attribute = attributes.get(c.object)
    cls, _, attr = attribute.rpartition(".") if attribute else ("", "", e.name)
    annotation = _python_type(e)
    message = (
        f"Column {table}.{e.name} is expected but the database has {table}.{a.name} of the same type: "
        "probably renamed on one side only."
    )
    if not attributes:  # no models: no model to point at the column
        hint = (
            "Either rename the column in the database (the fix SQL), or, if the database's name is the one to "
            "keep, record the rename in a migration."
        )
    else:
        # In the model's own ORM: Column(...), Mapped[...], or Tortoise's, Peewee's, Django's field.
        style = model_code.style_of(attributes, c.object)
        mapping, note = model_code.rename_column(style, attr, a.name, e.type, annotation)
        where = f" in class {cls}" if cls else " in the model"
        hint = (
            f"Either rename the column in the database (the fix SQL, a migration), or keep the database as it "
            f"is and map the model attribute to the existing column{where}: `{mapping}`{note}."
        )
    return (
        message,
        hint,
        {
            "expected": {"name": e.name, "type": e.type, "nullable": e.nullable, "attribute": attribute},
            "actual": {"name": a.name, "type": a.type, "nullable": a.nullable},
        },
    )


def _model_type(attributes: Mapping[str, str], qualname: str, style: str, pg_type: str) -> str:
    """`` (`BigInteger`)``: the database's type as the model declares it, when models are known."""
    if not attributes or qualname not in attributes:
        return ""
    found = model_code.field_class(style, pg_type)
    return f" (`{found}`)" if found else ""


def _numbered(style: str | None) -> str:
    """What gives a key a sequence, in the models' ORM (or SQLAlchemy's when no models are known)."""
    if style == "tortoise":
        return "Tortoise's generated integer primary key"
    if style in ("peewee", "django"):
        return "an AutoField primary key"
    return "SQLAlchemy's autoincrement primary key"


def _not_numbered(style: str | None) -> str:
    if style == "tortoise":
        return "set generated=False on the model's field"
    if style == "peewee":
        return "declare the key IntegerField/BigIntegerField(primary_key=True) instead of an AutoField"
    if style == "django":
        return "declare the key models.BigIntegerField(primary_key=True) instead of an AutoField"
    return "set autoincrement=False in the model"


def _python_type(c: Column) -> str:
    base = c.type.lower()
    found = "Any"
    for prefix, py in _PYTHON_TYPES:
        if base.startswith(prefix):
            found = py
            break
    if base.endswith("[]"):
        found = f"list[{found}]"
    return f"{found} | None" if c.nullable else found


def _generation(c: Column) -> str:
    if c.generated is not None:
        return f"generated as {c.generated} ({'virtual' if c.virtual else 'stored'})"
    if c.identity is not None:
        return f"an identity column ({c.identity})"
    return "a plain column"


def _column_facts(c: Column) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(c).items() if v is not None}
