"""render_sql(): dependency order, destructive statements commented out, quoting by psycopg.sql."""

from __future__ import annotations

import dataclasses
from typing import Any

from pgwarden.catalog import (
    Column,
    Constraint,
    Enum,
    Extension,
    Function,
    Index,
    Schema,
    Sequence,
    Table,
    Trigger,
    View,
)
from pgwarden.diff import diff, plan, render_sql

ID = Column("id", "integer", False)


def t(name: str, *columns: Column, schema: str = "public", **kw: Any) -> Table:
    return Table(schema=schema, name=name, columns=columns, **kw)


def fk(name: str, column: str, target: str) -> Constraint:
    return Constraint(
        name, "foreign_key", f"FOREIGN KEY ({column}) REFERENCES {target}(id)", (column,), references=target
    )


def pk(table: str) -> Constraint:
    return Constraint(f"{table}_pkey", "primary_key", "PRIMARY KEY (id)", ("id",))


def position(script: str, needle: str) -> int:
    at = script.find(needle)
    assert at >= 0, f"{needle!r} not in:\n{script}"
    return at


def test_empty_diff_renders_empty_string() -> None:
    assert render_sql([]) == ""
    schema = Schema(tables=(t("x", ID),))
    assert render_sql(diff(schema, schema)) == ""


def test_destructive_statements_are_commented_out_unless_allowed() -> None:
    expected = Schema(schemas=("public",), tables=(t("keep", ID),))
    actual = Schema(
        schemas=("public", "old"),
        tables=(t("keep", ID, Column("gone", "text")), t("dropme", ID, Column("x", "text"))),
        sequences=(Sequence("public", "counter"),),
        views=(View("public", "mv", " SELECT 1 AS one;", materialized=True, columns=("one",)),),
    )
    changes = diff(expected, actual)
    safe = render_sql(changes)
    for statement in (
        'DROP TABLE "public"."dropme";',
        'ALTER TABLE "public"."keep" DROP COLUMN "gone";',
        'DROP SEQUENCE IF EXISTS "public"."counter";',
        'DROP SCHEMA "old";',
        'DROP MATERIALIZED VIEW "public"."mv";',
    ):
        assert f"-- {statement}" in safe
        line = next(line for line in safe.splitlines() if line.endswith(statement))
        assert line.startswith("-- ")
    assert all(line.startswith("--") or not line for line in safe.splitlines())
    assert safe.count("-- destructive: ") == 5

    allowed = render_sql(changes, allow_destructive=True)
    assert '\nDROP TABLE "public"."dropme";' in allowed
    assert allowed.count("-- destructive: ") == 5  # the note stays, the statement runs


def test_multi_line_destructive_statements_are_commented_line_by_line() -> None:
    have = Enum("public", "mood", ("sad", "ok", "happy"))
    want = dataclasses.replace(have, labels=("happy", "sad"))
    users = t("users", ID, Column("m", "public.mood"))
    script = render_sql(diff(Schema(tables=(users,), enums=(want,)), Schema(tables=(users,), enums=(have,))))
    body = [line for line in script.splitlines() if line]
    assert body[0].startswith("-- destructive: recreates enum public.mood")
    assert all(line.startswith("-- ") for line in body)
    assert '-- ALTER TYPE "public"."mood" RENAME TO "mood__pgwarden_old";' in body
    assert (
        '-- ALTER TABLE "public"."users" ALTER COLUMN "m" TYPE public.mood USING "m"::text::public.mood;'
        in body
    )


def test_enum_labels_are_added_before_and_after_in_place() -> None:
    have = Enum("public", "status", ("new", "done"))
    want = dataclasses.replace(have, labels=("draft", "new", "active", "paused", "done", "archived"))
    script = render_sql(diff(Schema(enums=(want,)), Schema(enums=(have,))))
    assert script.splitlines() == [
        """ALTER TYPE "public"."status" ADD VALUE 'draft' BEFORE 'new';""",
        """ALTER TYPE "public"."status" ADD VALUE 'active' AFTER 'new';""",
        """ALTER TYPE "public"."status" ADD VALUE 'paused' AFTER 'active';""",
        """ALTER TYPE "public"."status" ADD VALUE 'archived' AFTER 'done';""",
    ]
    assert "destructive" not in script


def test_tables_are_created_in_foreign_key_order_and_foreign_keys_come_last() -> None:
    users = t("users", ID, constraints=(pk("users"),))
    orders = t(
        "orders",
        ID,
        Column("user_id", "integer"),
        constraints=(pk("orders"), fk("orders_user_fk", "user_id", "public.users")),
    )
    lines = t(
        "a_lines",
        ID,
        Column("order_id", "integer"),
        constraints=(pk("a_lines"), fk("lines_order_fk", "order_id", "public.orders")),
    )
    script = render_sql(diff(Schema(tables=(lines, orders, users)), Schema()))
    assert position(script, 'CREATE TABLE "public"."users"') < position(
        script, 'CREATE TABLE "public"."orders"'
    )
    assert position(script, 'CREATE TABLE "public"."orders"') < position(
        script, 'CREATE TABLE "public"."a_lines"'
    )
    last_create = position(script, 'CREATE TABLE "public"."a_lines"')
    assert last_create < position(script, 'ADD CONSTRAINT "lines_order_fk"')
    assert last_create < position(script, 'ADD CONSTRAINT "orders_user_fk"')
    assert '"orders_pkey" PRIMARY KEY (id)' in script  # inline, with the table


def test_foreign_key_cycles_are_fine() -> None:
    a = t("a", ID, Column("b_id", "integer"), constraints=(pk("a"), fk("a_b_fk", "b_id", "public.b")))
    b = t("b", ID, Column("a_id", "integer"), constraints=(pk("b"), fk("b_a_fk", "a_id", "public.a")))
    script = render_sql(diff(Schema(tables=(a, b)), Schema()))
    creates = max(
        position(script, 'CREATE TABLE "public"."a"'), position(script, 'CREATE TABLE "public"."b"')
    )
    assert creates < min(position(script, '"a_b_fk"'), position(script, '"b_a_fk"'))


def test_creation_order_across_object_kinds() -> None:
    fn = Function(
        "app",
        "touch",
        "",
        returns="trigger",
        language="plpgsql",
        body_hash="h",
        definition="CREATE OR REPLACE FUNCTION app.touch()\n RETURNS trigger\n LANGUAGE plpgsql\n"
        "AS $function$ BEGIN RETURN NEW; END $function$\n",
    )
    tr = Trigger(
        "tr",
        "app.jobs",
        "before",
        ("insert",),
        "row",
        "app.touch",
        "CREATE TRIGGER tr BEFORE INSERT ON app.jobs FOR EACH ROW EXECUTE FUNCTION app.touch()",
    )
    jobs = t(
        "jobs",
        ID,
        Column("state", "app.state"),
        Column("n", "bigint", default="nextval('app.n'::regclass)"),
        schema="app",
        triggers=(tr,),
        indexes=(Index("jobs_state", "CREATE INDEX jobs_state ON app.jobs USING btree (state)"),),
    )
    expected = Schema(
        schemas=("app",),
        extensions=(Extension("citext", "1.6", "app"),),
        enums=(Enum("app", "state", ("a", "b")),),
        sequences=(Sequence("app", "n"),),
        tables=(jobs,),
        functions=(fn,),
        views=(View("app", "v", " SELECT jobs.id FROM app.jobs;", columns=("id",)),),
    )
    script = render_sql(diff(expected, Schema()))
    order = [
        'CREATE SCHEMA "app";',
        'CREATE EXTENSION IF NOT EXISTS "citext" WITH SCHEMA "app"',
        'CREATE TYPE "app"."state"',
        'CREATE SEQUENCE "app"."n"',
        "CREATE OR REPLACE FUNCTION app.touch()",  # before tables: defaults and indexes may call functions
        'CREATE TABLE "app"."jobs"',
        "CREATE INDEX jobs_state",
        'CREATE VIEW "app"."v"',
        "CREATE TRIGGER tr",
    ]
    positions = [position(script, needle) for needle in order]
    assert positions == sorted(positions), script


def test_functions_on_row_types_of_new_relations_come_after_them() -> None:
    def returning(name: str, result: str) -> Function:
        return Function(
            "public", name, "", returns=result, body_hash="h", definition=f"CREATE FUNCTION {name}"
        )

    expected = Schema(
        tables=(t("links", ID),),
        views=(View("public", "v", " SELECT links.id FROM public.links;", columns=("id",)),),
        functions=(
            returning("plain", "integer"),
            returning("rows", "SETOF public.links"),
            returning("view_rows", "SETOF public.v"),
        ),
    )
    script = render_sql(diff(expected, Schema()))
    order = [
        "CREATE FUNCTION plain;",
        'CREATE TABLE "public"."links"',
        "CREATE FUNCTION rows;",
        'CREATE VIEW "public"."v"',
        "CREATE FUNCTION view_rows;",
    ]
    positions = [position(script, needle) for needle in order]
    assert positions == sorted(positions), script


def test_drops_come_in_reverse_dependency_order() -> None:
    fn = Function("public", "f", "", returns="trigger", body_hash="h", definition="x")
    tr = Trigger(
        "tr",
        "public.x",
        "before",
        ("insert",),
        "row",
        "public.f",
        "CREATE TRIGGER tr BEFORE INSERT ON public.x FOR EACH ROW EXECUTE FUNCTION public.f()",
    )
    x = t("x", ID, Column("e", "public.e"), triggers=(tr,))
    y = t("y", ID, Column("x_id", "integer"), constraints=(fk("y_x_fk", "x_id", "public.x"),))
    actual = Schema(
        schemas=("public", "old"),
        tables=(x, y),
        functions=(fn,),
        enums=(Enum("public", "e", ("a",)),),
        views=(
            View("public", "v1", " SELECT x.id FROM public.x;", columns=("id",)),
            View("public", "v2", " SELECT v1.id FROM public.v1;", columns=("id",)),
        ),
    )
    script = render_sql(diff(Schema(schemas=("public",)), actual), allow_destructive=True)
    order = [
        'DROP VIEW "public"."v2";',
        'DROP VIEW "public"."v1";',
        # One statement, referencing table first; the trigger function once the trigger is gone.
        'DROP TABLE "public"."y", "public"."x";',
        'DROP FUNCTION "public"."f"();',
        'DROP TYPE "public"."e";',
        'DROP SCHEMA "old";',
    ]
    positions = [position(script, needle) for needle in order]
    assert positions == sorted(positions), script
    assert "DROP TRIGGER" not in script  # it goes with its table


def test_views_are_created_after_the_views_they_read() -> None:
    source = View("public", "z_source", " SELECT 1 AS id;", columns=("id",))
    reader = View("public", "a_reader", " SELECT z_source.id FROM public.z_source;", columns=("id",))
    script = render_sql(diff(Schema(views=(reader, source)), Schema()))
    assert position(script, '"public"."z_source"') < position(script, '"public"."a_reader"')


def test_column_type_change_uses_a_cast_and_restores_the_default() -> None:
    expected = Schema(tables=(t("m", Column("code", "integer", default="7")),))
    actual = Schema(tables=(t("m", Column("code", "text", default="'7'::text")),))
    assert render_sql(diff(expected, actual)).splitlines() == [
        'ALTER TABLE "public"."m" ALTER COLUMN "code" DROP DEFAULT;',
        'ALTER TABLE "public"."m" ALTER COLUMN "code" TYPE integer USING "code"::integer;',
        'ALTER TABLE "public"."m" ALTER COLUMN "code" SET DEFAULT 7;',
    ]


def test_identifiers_are_quoted_by_psycopg_sql() -> None:
    weird = t('Daily "Totals"', Column("Day; DROP TABLE x", "date"), schema="Reporting")
    script = render_sql(diff(Schema(tables=(weird,)), Schema()))
    assert 'CREATE TABLE "Reporting"."Daily ""Totals""" (' in script
    assert '"Day; DROP TABLE x" date' in script


def test_a_partitioned_index_is_created_for_all_partitions() -> None:
    ix = Index("p_at_idx", "CREATE INDEX p_at_idx ON ONLY public.p USING btree (at)", ("at",))
    parent = t("p", Column("at", "date"), kind="partitioned", partition_key="RANGE (at)")
    script = render_sql(
        diff(Schema(tables=(dataclasses.replace(parent, indexes=(ix,)),)), Schema(tables=(parent,)))
    )
    assert script == "CREATE INDEX p_at_idx ON public.p USING btree (at);\n"


def test_statements_know_their_phase_and_destructiveness() -> None:
    statements = plan(diff(Schema(), Schema(tables=(t("x", ID),))))
    assert [(s.phase.name, s.destructive) for s in statements] == [
        ("DROP_TABLE", "drops table public.x: its rows are lost")
    ]


def test_not_valid_constraints_are_added_not_valid_and_validated_when_expected() -> None:
    check = Constraint("c", "check", "CHECK ((id > 0))")
    not_valid = dataclasses.replace(check, definition="CHECK ((id > 0)) NOT VALID", validated=False)
    add = render_sql(
        diff(Schema(tables=(t("x", ID, constraints=(not_valid,)),)), Schema(tables=(t("x", ID),)))
    )
    assert add == 'ALTER TABLE "public"."x" ADD CONSTRAINT "c" CHECK ((id > 0)) NOT VALID;\n'
    validate = render_sql(
        diff(
            Schema(tables=(t("x", ID, constraints=(check,)),)),
            Schema(tables=(t("x", ID, constraints=(not_valid,)),)),
        )
    )
    assert validate == 'ALTER TABLE "public"."x" VALIDATE CONSTRAINT "c";\n'


def test_a_view_replaced_in_place_still_gets_its_new_comment() -> None:
    """``CREATE OR REPLACE VIEW`` keeps the old comment: the new one is set after it."""
    old = View("public", "v", " SELECT 1 AS a;", columns=("a",), comment="old")
    new = dataclasses.replace(old, definition=" SELECT 1 AS a, 2 AS b;", columns=("a", "b"), comment="new")
    script = render_sql(diff(Schema(views=(new,)), Schema(views=(old,))))
    assert position(script, 'CREATE OR REPLACE VIEW "public"."v"') < position(
        script, 'COMMENT ON VIEW "public"."v" IS \'new\';'
    )
