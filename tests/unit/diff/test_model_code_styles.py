"""Hints that show model code speak the model's own ORM: SQLAlchemy, Tortoise, Peewee or Django."""

from __future__ import annotations

import re

import pytest

from pgwarden.catalog.model import Column, Enum, Schema, Table
from pgwarden.checks.telegram_ids import TelegramIds
from pgwarden.checks.telegram_ids import findings as telegram_findings
from pgwarden.diff import CLASSIC_SUFFIX, STYLE_SUFFIX, diff, to_findings
from pgwarden.diff.model_code import models_style
from pgwarden.findings import Finding

SQLALCHEMY = re.compile(
    r"mapped_column|Mapped\[|\bColumn\(|__tablename__|autoincrement|SQLAlchemy|\bBigInteger\b(?!Field)"
)

# style -> what its hints say (a rename, a table name, NOT NULL option, a bigint type)
WORDS = {
    "tortoise": (
        'fields.TextField(source_field="full_name"',
        'table = "people"',
        "null=False",
        "fields.BigIntField",
    ),
    "peewee": ('TextField(column_name="full_name"', 'table_name = "people"', "null=False", "BigIntegerField"),
    "django": (
        'models.TextField(db_column="full_name"',
        'db_table = "people"',
        "null=False",
        "models.BigIntegerField",
    ),
    "Column": ('name = Column("full_name", ...)', '__tablename__ = "people"', "nullable=False", "BigInteger"),
    "mapped_column": (
        'name: Mapped[str] = mapped_column("full_name")',
        '__tablename__ = "people"',
        "nullable=False",
        "BigInteger",
    ),
}


def attributes(style: str, table: str = "public.users") -> dict[str, str]:
    found: dict[str, str] = {}
    for column in ("id", "name", "note", "age"):
        found[f"{table}.{column}"] = f"User.{column}"
        if style == "Column":
            found[f"{table}.{column}{CLASSIC_SUFFIX}"] = "Column"
        elif style != "mapped_column":
            found[f"{table}.{column}{STYLE_SUFFIX}"] = style
    return found


def users(*columns: Column, name: str = "users") -> Schema:
    return Schema(schemas=("public",), tables=(Table("public", name, columns=columns),))


ID = Column("id", "bigint", nullable=False)


def findings_for(style: str, expected: Schema, actual: Schema) -> list[Finding]:
    return to_findings(diff(expected, actual), attributes=attributes(style))


def hints(found: list[Finding]) -> str:
    return "\n".join(f.hint for f in found)


@pytest.mark.parametrize("style", sorted(WORDS))
def test_rename_hint_maps_the_attribute_in_the_models_orm(style: str) -> None:
    found = findings_for(
        style,
        users(ID, Column("name", "text", nullable=False)),
        users(ID, Column("full_name", "text", nullable=False)),
    )
    [rename] = [f for f in found if f.kind == "probable_rename"]
    assert WORDS[style][0] in rename.hint
    if style in ("tortoise", "peewee", "django"):
        assert not SQLALCHEMY.search(rename.hint), rename.hint


@pytest.mark.parametrize("style", sorted(WORDS))
def test_table_rename_hint_names_the_table_in_the_models_orm(style: str) -> None:
    columns = (ID, Column("name", "text"))
    found = findings_for(style, users(*columns), users(*columns, name="people"))
    [rename] = [f for f in found if f.kind == "probable_rename"]
    assert WORDS[style][1] in rename.hint
    if style in ("tortoise", "peewee", "django"):
        assert not SQLALCHEMY.search(rename.hint), rename.hint


@pytest.mark.parametrize("style", sorted(WORDS))
def test_not_null_and_type_and_default_hints_use_the_models_words(style: str) -> None:
    expected = users(
        Column("id", "bigint", nullable=False, default="nextval('users_id_seq'::regclass)"),
        Column("note", "text", nullable=True),
        Column("age", "integer"),
    )
    actual = users(ID, Column("note", "text", nullable=False), Column("age", "bigint"))
    said = hints(findings_for(style, expected, actual))
    assert WORDS[style][2] in said
    assert f"(`{WORDS[style][3]}`)" in said  # the database's type, as the model declares it
    if style in ("tortoise", "peewee", "django"):
        assert not SQLALCHEMY.search(said), said
        assert {"tortoise": "generated=False", "peewee": "AutoField", "django": "AutoField"}[style] in said


def test_enum_extra_label_hint_shows_enum_code_only_for_sqlalchemy() -> None:
    schema = lambda labels: Schema(  # noqa: E731
        schemas=("public",),
        tables=(Table("public", "users", columns=(ID,)),),
        enums=(Enum("public", "mood", labels),),
    )
    changes = diff(schema(("a", "b")), schema(("a", "b", "c")))
    sqlalchemy = hints(to_findings(changes, attributes=attributes("mapped_column")))
    tortoise = hints(to_findings(changes, attributes=attributes("tortoise")))
    assert 'Enum("a", "b", "c", name="mood")' in sqlalchemy
    assert "Enum(" not in tortoise and "Python enum" in tortoise and "ADD VALUE 'c'" in tortoise
    assert models_style({}) is None and models_style(attributes("Column")) == "sqlalchemy"


@pytest.mark.parametrize("style", sorted(WORDS))
def test_telegram_id_width_hint_widens_the_model_in_its_orm(style: str) -> None:
    live = Schema(
        schemas=("public",), tables=(Table("public", "users", columns=(ID, Column("user_id", "integer"))),)
    )
    attrs = attributes(style)
    attrs["public.users.user_id"] = "User.user_id"
    if style == "Column":
        attrs["public.users.user_id" + CLASSIC_SUFFIX] = "Column"
    elif style != "mapped_column":
        attrs["public.users.user_id" + STYLE_SUFFIX] = style
    [finding] = telegram_findings(live, TelegramIds(), attributes=attrs)
    assert f"make User.user_id a `{WORDS[style][3]}`" in finding.hint
    [unknown] = telegram_findings(live, TelegramIds())
    assert "BigIntField" in unknown.hint and "BigInteger" in unknown.hint
