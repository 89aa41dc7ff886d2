"""Inheritance (``INHERITS``) in diff scripts: a parent's change never costs a child its values.

A parent's ``DROP COLUMN`` stops at the parent (``ONLY``), each child that does not keep the
column drops its own copy after it; renames and type changes reach the children through the
parent; a child's own column is added before the parent's so the two merge; a parent's default
stops at the parent. The same cases run on PostgreSQL in ``tests/db/diff/test_inheritance_data.py``.
"""

from __future__ import annotations

from typing import Any

from pgwarden.catalog import Column, Schema, Table
from pgwarden.diff import Change, diff, render_sql


def t(name: str, *columns: Column, **kw: Any) -> Table:
    return Table(schema="public", name=name, columns=columns, **kw)


def s(*tables: Table) -> Schema:
    return Schema(schemas=("public",), tables=tables)


def col(name: str, type_: str = "integer", **kw: Any) -> Column:
    return Column(name, type_, **kw)


def inherited(name: str, type_: str = "integer", **kw: Any) -> Column:
    return Column(name, type_, inherited=True, **kw)


def kinds(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.kind, c.object) for c in changes]


def lines(changes: list[Change]) -> list[str]:
    script = render_sql(changes, allow_destructive=True)
    return [line for line in script.splitlines() if line and not line.startswith("--")]


BASE = "public.base"


def test_a_parents_drop_stops_at_the_parent_and_a_child_that_keeps_the_column_keeps_it() -> None:
    actual = s(t("base", col("at"), col("e")), t("child", inherited("at"), inherited("e"), inherits=(BASE,)))
    expected = s(t("base", col("at")), t("child", inherited("at"), col("e"), inherits=(BASE,)))
    changes = diff(expected, actual)
    assert kinds(changes) == [("extra_column", "public.base.e")]
    assert lines(changes) == ['ALTER TABLE ONLY "public"."base" DROP COLUMN "e";']


def test_a_child_that_does_not_keep_the_column_drops_its_copy_after_the_parent() -> None:
    actual = s(
        t("base", col("at"), col("e")),
        t("child", inherited("at"), inherited("e"), col("own"), inherits=(BASE,)),
    )
    expected = s(t("base", col("at")), t("child", inherited("at"), col("own"), inherits=(BASE,)))
    changes = diff(expected, actual)
    assert kinds(changes) == [("extra_column", "public.base.e"), ("extra_column", "public.child.e")]
    assert lines(changes) == [
        'ALTER TABLE ONLY "public"."base" DROP COLUMN "e";',
        'ALTER TABLE "public"."child" DROP COLUMN "e";',
    ]


def test_drops_run_down_the_levels_whatever_the_names() -> None:
    # The grandchild's name sorts first: the order comes from the inheritance levels, not the names.
    actual = s(
        t("z_top", col("x")),
        t("m_mid", inherited("x"), inherits=("public.z_top",)),
        t("a_low", inherited("x"), inherits=("public.m_mid",)),
    )
    expected = s(
        t("z_top"),
        t("m_mid", inherits=("public.z_top",)),
        t("a_low", col("x"), inherits=("public.m_mid",)),
    )
    assert lines(diff(expected, actual)) == [
        'ALTER TABLE ONLY "public"."z_top" DROP COLUMN "x";',
        'ALTER TABLE ONLY "public"."m_mid" DROP COLUMN "x";',
    ]


def test_a_parents_rename_reaches_its_children() -> None:
    actual = s(
        t("base", col("old", "text")),
        t("child", inherited("old", "text"), inherits=(BASE,)),
        t("own", col("old", "text"), inherits=(BASE,)),
    )
    expected = s(
        t("base", col("new", "text")),
        t("child", inherited("new", "text"), inherits=(BASE,)),
        t("own", col("new", "text"), inherits=(BASE,)),
    )
    changes = diff(expected, actual)
    assert kinds(changes) == [("probable_rename", "public.base.new")]
    assert lines(changes) == ['ALTER TABLE "public"."base" RENAME COLUMN "old" TO "new";']


def test_a_parents_type_change_reaches_a_child_that_declares_the_column_too() -> None:
    actual = s(t("base", col("v")), t("own", col("v"), inherits=(BASE,)))
    expected = s(t("base", col("v", "bigint")), t("own", col("v", "bigint"), inherits=(BASE,)))
    changes = diff(expected, actual)
    assert kinds(changes) == [("type_mismatch", "public.base.v")]


def test_a_childs_own_column_is_added_before_the_parents_so_they_merge() -> None:
    actual = s(t("base", col("id")), t("a_child", inherited("id"), inherits=(BASE,)))
    expected = s(
        t("base", col("id"), col("src", "text")),
        t("a_child", inherited("id"), col("src", "text"), inherits=(BASE,)),
    )
    assert lines(diff(expected, actual)) == [
        'ALTER TABLE "public"."a_child" ADD COLUMN "src" text;',
        'ALTER TABLE "public"."base" ADD COLUMN "src" text;',
    ]


def test_a_parents_default_stops_at_the_parent_and_each_child_changes_its_own() -> None:
    actual = s(
        t("base", col("v", default="1")),
        t("follows", inherited("v", default="1"), inherits=(BASE,)),
        t("keeps", inherited("v", default="5"), inherits=(BASE,)),
    )
    expected = s(
        t("base", col("v", default="2")),
        t("follows", inherited("v", default="2"), inherits=(BASE,)),
        t("keeps", inherited("v", default="5"), inherits=(BASE,)),
    )
    changes = diff(expected, actual)
    assert kinds(changes) == [("default_mismatch", "public.base.v"), ("default_mismatch", "public.follows.v")]
    assert lines(changes) == [
        'ALTER TABLE ONLY "public"."base" ALTER COLUMN "v" DROP DEFAULT;',
        'ALTER TABLE ONLY "public"."base" ALTER COLUMN "v" SET DEFAULT 2;',
        'ALTER TABLE "public"."follows" ALTER COLUMN "v" DROP DEFAULT;',
        'ALTER TABLE "public"."follows" ALTER COLUMN "v" SET DEFAULT 2;',
    ]


def test_a_child_leaving_its_parent_keeps_the_columns_it_inherited() -> None:
    actual = s(t("base", col("id"), col("x")), t("child", inherited("id"), inherited("x"), inherits=(BASE,)))
    expected = s(t("child", col("id"), col("x")))
    assert lines(diff(expected, actual)) == [
        'ALTER TABLE "public"."child" NO INHERIT "public"."base";',
        'DROP TABLE "public"."base";',
    ]
