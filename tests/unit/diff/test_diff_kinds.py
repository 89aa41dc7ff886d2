"""Diff and scripts of the kinds added for completeness: inheritance, collations, composite types,
view triggers and function comments (pure: model objects in, changes and SQL text out)."""

from __future__ import annotations

import dataclasses
from typing import Any

from pgwarden.catalog import Column, Function, Schema, Table, Trigger, View
from pgwarden.catalog.kinds import Attribute, Collation, CompositeType, Grant, Owner
from pgwarden.diff import Change, diff, plan, render_sql, to_findings


def t(name: str, *columns: Column, **kw: Any) -> Table:
    return Table(schema="public", name=name, columns=columns, **kw)


def s(*tables: Table, **kw: Any) -> Schema:
    return Schema(schemas=("public",), tables=tables, **kw)


def kinds(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.kind, c.object) for c in changes]


def col(name: str, type_: str = "integer", **kw: Any) -> Column:
    return Column(name, type_, **kw)


def inherited(name: str, type_: str = "integer") -> Column:
    return Column(name, type_, inherited=True)


# inheritance


def test_a_column_added_to_a_parent_is_not_added_to_its_children_again() -> None:
    actual = s(t("base", col("at")), t("child", inherited("at"), inherits=("public.base",)))
    expected = s(
        t("base", col("at"), col("n")),
        t("child", inherited("at"), inherited("n"), inherits=("public.base",)),
    )
    assert kinds(diff(expected, actual)) == [("missing_column", "public.base.n")]


def test_a_new_child_is_created_with_inherits_and_only_its_own_columns() -> None:
    base = t("base", col("at"))
    child = t("child", inherited("at"), col("own"), inherits=("public.base",))
    script = render_sql(diff(s(base, child), s()))
    assert script.index('CREATE TABLE "public"."base"') < script.index('CREATE TABLE "public"."child"')
    assert 'CREATE TABLE "public"."child" (\n    "own" integer\n) INHERITS ("public"."base");' in script


def test_inheritance_added_and_removed_by_alter_table() -> None:
    base = t("base", col("at"))
    other = t("other", col("at"))
    actual = s(base, other, t("child", inherited("at"), inherits=("public.other",)))
    expected = s(base, other, t("child", col("at"), inherits=("public.base",)))
    changes = diff(expected, actual)
    assert kinds(changes) == [("table_options_mismatch", "public.child")]
    script = render_sql(changes)
    assert script.index("NO INHERIT") < script.index('INHERIT "public"."base"')
    assert "inherits" in to_findings(changes)[0].message


# collations


ICU = Collation("public", "ci", "icu", locale="und-u-ks-level2", deterministic=False)


def test_collations_missing_extra_and_created_before_the_columns_that_use_them() -> None:
    expected = s(t("x", col("name", "text", collation="ci")), collations=(ICU,))
    actual = s(collations=(Collation("public", "old", lc_collate="C", lc_ctype="C"),))
    changes = diff(expected, actual)
    assert ("missing_collation", "public.ci") in kinds(changes)
    assert ("extra_collation", "public.old") in kinds(changes)
    script = render_sql(changes)
    create = script.index(
        'CREATE COLLATION "public"."ci" (provider = icu, locale = \'und-u-ks-level2\', deterministic = false);'
    )
    assert create < script.index('CREATE TABLE "public"."x"') < script.index('DROP COLLATION "public"."old";')


def test_a_redefined_collation_steps_aside_and_its_columns_move_over() -> None:
    old = dataclasses.replace(ICU, deterministic=True)
    table = t("x", col("name", "text", collation="ci"))
    changes = diff(s(table, collations=(ICU,)), s(table, collations=(old,)))
    assert kinds(changes) == [("collation_definition_mismatch", "public.ci")]
    sqls = [st.sql for st in plan(changes)]
    assert sqls[0].startswith('ALTER COLLATION "public"."ci" RENAME TO "ci__pgwarden_old";\nCREATE COLLATION')
    assert sqls[1] == 'ALTER TABLE "public"."x" ALTER COLUMN "name" TYPE text COLLATE "public"."ci";'
    assert sqls[2] == 'DROP COLLATION "public"."ci__pgwarden_old";'


# composite types


MONEY = CompositeType(
    "public", "money", (Attribute("amount", "numeric"), Attribute("currency", "character(3)"))
)


def test_an_appended_attribute_is_added_in_place() -> None:
    grown = dataclasses.replace(MONEY, attributes=(*MONEY.attributes, Attribute("note", "text", "C")))
    statements = plan(diff(Schema(composite_types=(grown,)), Schema(composite_types=(MONEY,))))
    assert [(st.sql, st.destructive) for st in statements] == [
        ('ALTER TYPE "public"."money" ADD ATTRIBUTE "note" text COLLATE "C";', None)
    ]


def test_reordered_attributes_are_dropped_and_added_again_destructively() -> None:
    swapped = dataclasses.replace(
        MONEY, attributes=(Attribute("currency", "character(3)"), Attribute("amount", "numeric(12,2)"))
    )
    (statement,) = plan(diff(Schema(composite_types=(swapped,)), Schema(composite_types=(MONEY,))))
    assert statement.sql == (
        'ALTER TYPE "public"."money" DROP ATTRIBUTE "amount", DROP ATTRIBUTE "currency", '
        'ADD ATTRIBUTE "currency" character(3), ADD ATTRIBUTE "amount" numeric(12,2);'
    )
    assert statement.destructive and "amount, currency" in statement.destructive


def test_a_changed_attribute_type_is_altered() -> None:
    wider = dataclasses.replace(MONEY, attributes=(Attribute("amount", "numeric(14,2)"), MONEY.attributes[1]))
    (statement,) = plan(diff(Schema(composite_types=(wider,)), Schema(composite_types=(MONEY,))))
    assert statement.sql == 'ALTER TYPE "public"."money" ALTER ATTRIBUTE "amount" TYPE numeric(14,2);'
    assert statement.destructive is None


def test_composite_findings_are_plain_json() -> None:
    grown = dataclasses.replace(MONEY, attributes=(*MONEY.attributes, Attribute("note", "text")))
    (finding,) = to_findings(diff(Schema(composite_types=(grown,)), Schema(composite_types=(MONEY,))))
    assert finding.code == "PW189"
    assert finding.evidence == {
        "expected": ["amount numeric", "currency character(3)", "note text"],
        "actual": ["amount numeric", "currency character(3)"],
    }


# view triggers


def _view_trigger(name: str) -> Trigger:
    return Trigger(
        name=name,
        table="public.v",
        timing="instead of",
        events=("insert",),
        level="row",
        function="public.f",
        definition=f"CREATE TRIGGER {name} INSTEAD OF INSERT ON public.v FOR EACH ROW EXECUTE FUNCTION public.f()",
    )


def test_view_triggers_are_compared_and_scripted() -> None:
    view = View("public", "v", " SELECT 1 AS a;", columns=("a",))
    expected = Schema(views=(dataclasses.replace(view, triggers=(_view_trigger("ins"),)),))
    actual = Schema(views=(dataclasses.replace(view, triggers=(_view_trigger("old"),)),))
    changes = diff(expected, actual)
    assert kinds(changes) == [("missing_trigger", "public.v.ins"), ("extra_trigger", "public.v.old")]
    script = render_sql(changes)
    assert 'DROP TRIGGER "old" ON "public"."v";' in script
    assert "CREATE TRIGGER ins INSTEAD OF INSERT ON public.v" in script


def test_a_recreated_view_gets_its_triggers_back() -> None:
    old = View("public", "v", " SELECT 1 AS a, 2 AS b;", columns=("a", "b"), triggers=(_view_trigger("ins"),))
    new = dataclasses.replace(old, definition=" SELECT 1 AS a, 3 AS c, 2 AS b;", columns=("a", "c", "b"))
    changes = diff(Schema(views=(new,)), Schema(views=(old,)))
    assert kinds(changes) == [("view_mismatch", "public.v")]
    script = render_sql(changes)
    assert script.index('DROP VIEW "public"."v";') < script.index("CREATE TRIGGER ins INSTEAD OF INSERT")


# function comments


def test_a_function_comment_is_set_without_replacing_the_function() -> None:
    f = Function(
        "public", "add", "integer, integer", returns="integer", body_hash="h", definition="CREATE ..."
    )
    changes = diff(Schema(functions=(dataclasses.replace(f, comment="Adds"),)), Schema(functions=(f,)))
    assert kinds(changes) == [("comment_mismatch", "public.add(integer, integer)")]
    assert render_sql(changes).strip() == 'COMMENT ON FUNCTION "public"."add"(integer, integer) IS \'Adds\';'


def test_a_new_function_comes_with_its_comment() -> None:
    f = Function(
        "public", "p", "", kind="procedure", body_hash="h", definition="CREATE PROCEDURE public.p() ..."
    )
    script = render_sql(diff(Schema(functions=(dataclasses.replace(f, comment="nightly"),)), Schema()))
    assert script.index("CREATE PROCEDURE") < script.index(
        'COMMENT ON PROCEDURE "public"."p"() IS \'nightly\';'
    )


# owners and grants


def _privileged(*grants: Grant, owner: str = "app", read: bool = True) -> Schema:
    users = t("users", col("id"), col("secret", "text"))
    return s(
        users,
        grants=grants,
        owners=(Owner("schema", "public", "app"), Owner("table", "public.users", owner)),
        privileges_read=read,
    )


SELECT_BOT = Grant("table", "public.users", "bot", "SELECT")


def test_grants_are_compared_only_when_both_sides_hold_them() -> None:
    assert diff(_privileged(SELECT_BOT), _privileged(read=False)) == []
    assert diff(_privileged(SELECT_BOT, read=False), _privileged()) == []
    assert kinds(diff(_privileged(SELECT_BOT), _privileged())) == [
        ("missing_grant", "public.users: SELECT to bot")
    ]


def test_grants_revokes_and_owners_are_scripted_revokes_first() -> None:
    column = Grant("column", "public.users.secret", "PUBLIC", "SELECT")
    schema = Grant("schema", "public", "bot", "USAGE", grantable=True)
    expected = _privileged(SELECT_BOT, schema, owner="bot_owner")
    actual = _privileged(column, dataclasses.replace(schema, grantable=False))
    changes = diff(expected, actual)
    assert {c.kind for c in changes} == {"owner_mismatch", "missing_grant", "extra_grant"}
    lines = render_sql(changes).strip().split("\n\n")
    assert set(lines[:2]) == {
        'REVOKE SELECT ("secret") ON TABLE "public"."users" FROM PUBLIC;',
        'REVOKE USAGE ON SCHEMA "public" FROM "bot";',
    }
    assert 'ALTER TABLE "public"."users" OWNER TO "bot_owner";' in lines
    assert 'GRANT USAGE ON SCHEMA "public" TO "bot" WITH GRANT OPTION;' in lines
    assert 'GRANT SELECT ON TABLE "public"."users" TO "bot";' in lines


def test_grants_of_a_dropped_object_go_with_it() -> None:
    expected = s(owners=(Owner("schema", "public", "app"),), privileges_read=True)
    actual = _privileged(SELECT_BOT)
    assert kinds(diff(expected, actual)) == [("extra_table", "public.users")]


def test_a_routine_grant_names_its_arguments() -> None:
    f = Function("public", "greet", "text", returns="text", body_hash="h", definition="CREATE ...")
    run = Grant("routine", "public.greet(text)", "bot", "EXECUTE")
    expected = Schema(functions=(f,), grants=(run,), privileges_read=True)
    actual = Schema(functions=(f,), privileges_read=True)
    assert render_sql(diff(expected, actual)).strip() == (
        'GRANT EXECUTE ON ROUTINE "public"."greet"(text) TO "bot";'
    )


# default privileges


def test_default_privileges_differences_are_scripted_revokes_first() -> None:
    from pgwarden.catalog.acl import default_privileges
    from pgwarden.catalog.kinds import DefaultPrivilege

    # A database-wide entry without PUBLIC's EXECUTE on functions: the built-in default revoked.
    revoked = default_privileges("owner", None, "f", [])
    assert revoked == [DefaultPrivilege("owner", None, "functions", "PUBLIC", "EXECUTE", revoked=True)]
    assert default_privileges("owner", None, "f", ['["PUBLIC", "EXECUTE", false]']) == []
    granted = default_privileges("owner", "app", "r", ['["bot", "SELECT", false]'])
    option = DefaultPrivilege("owner", "app", "tables", "bot", "SELECT", grantable=True)
    expected = s(default_privileges=(*revoked, option), privileges_read=True)
    actual = s(default_privileges=tuple(granted), privileges_read=True)
    changes = diff(expected, actual)
    assert [(c.kind, c.object) for c in changes] == [
        ("missing_grant", "default privileges of owner on functions: EXECUTE revoked from PUBLIC"),
        ("missing_grant", "default privileges of owner in schema app on tables: SELECT to bot"),
        ("extra_grant", "default privileges of owner in schema app on tables: SELECT to bot"),
    ]
    assert render_sql(changes).splitlines()[::2] == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "owner" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "app" REVOKE SELECT ON TABLES FROM "bot";',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "app" GRANT SELECT ON TABLES TO "bot" WITH GRANT OPTION;',
    ]
    assert {f.severity.value for f in to_findings(changes)} == {"warning"}
    # Compared only when both sides were read with their privileges, like grants.
    assert diff(dataclasses.replace(expected, privileges_read=False), actual) == []
