"""Declared objects ([[expect.*]]) checked against a schema, without a database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pgwarden import codes
from pgwarden.catalog.model import Constraint, Extension, Function, Index, Schema, Table, Trigger
from pgwarden.checks.declared import check
from pgwarden.errors import ConfigError
from pgwarden.expectations import (
    Expectations,
    ExpectConstraint,
    ExpectExtension,
    ExpectFunction,
    ExpectIndex,
    ExpectTrigger,
)
from pgwarden.findings import Finding, Severity

TRIGGER = Trigger(
    name="booking_create_chat",
    table="public.bookings",
    timing="after",
    events=("insert", "update"),
    level="row",
    function="public.create_chat_on_booking_active",
    definition="CREATE TRIGGER booking_create_chat AFTER INSERT OR UPDATE ON public.bookings FOR EACH ROW "
    "EXECUTE FUNCTION create_chat_on_booking_active()",
)
FUNCTION = Function(
    schema="public",
    name="create_chat_on_booking_active",
    arguments="",
    returns="trigger",
    language="plpgsql",
    body_hash="3f1c9a7e5b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
)


def make_schema(
    *,
    trigger: Trigger | None = TRIGGER,
    functions: tuple[Function, ...] = (FUNCTION,),
    indexes: tuple[Index, ...] = (),
    constraints: tuple[Constraint, ...] = (),
    extensions: tuple[Extension, ...] = (),
) -> Schema:
    bookings = Table(
        schema="public",
        name="bookings",
        triggers=(trigger,) if trigger else (),
        indexes=indexes,
        constraints=constraints,
    )
    return Schema(
        schemas=("public",),
        tables=(bookings, Table(schema="public", name="chat_rooms")),
        functions=functions,
        extensions=extensions,
    )


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    finding = findings[0]
    code = codes.for_kind(finding.kind)
    assert (finding.code, finding.severity, finding.source) == (code.code, code.severity, "drift")
    assert finding.message.endswith(".") and finding.message.count(". ") == 0, finding.message
    assert set(finding.evidence) == {"expected", "actual"}
    return finding


def triggers(*items: ExpectTrigger) -> Expectations:
    return Expectations(triggers=items)


# --- triggers --------------------------------------------------------------------------


def test_everything_as_declared_is_clean() -> None:
    expect = Expectations(
        triggers=(
            ExpectTrigger(
                table="bookings",
                name="booking_create_chat",
                timing="AFTER",
                events=("update", "INSERT"),
                function="create_chat_on_booking_active()",
            ),
        ),
        functions=(ExpectFunction(name="create_chat_on_booking_active", language="plpgsql"),),
        extensions=(ExpectExtension(name="pgcrypto", version="1.3"),),
    )
    schema = make_schema(extensions=(Extension(name="pgcrypto", version="1.3"),))
    assert check(expect, schema) == []
    assert check(Expectations(), schema) == []


def test_missing_trigger() -> None:
    f = only(
        check(
            triggers(ExpectTrigger(table="bookings", name="booking_create_chat")), make_schema(trigger=None)
        )
    )
    assert f.kind == "missing_trigger" and f.severity is Severity.ERROR
    assert f.object == "public.bookings.booking_create_chat"
    assert "does not exist" in f.message
    assert f.fix_sql is None
    assert f.evidence["expected"]["name"] == "booking_create_chat"


def test_missing_trigger_on_a_missing_table_says_so() -> None:
    f = only(check(triggers(ExpectTrigger(table="bokings", name="booking_create_chat")), make_schema()))
    assert f.kind == "missing_trigger"
    assert "table public.bokings does not exist" in f.message
    assert "fix `table`" in f.hint


def test_missing_trigger_found_on_another_table_is_mentioned() -> None:
    f = only(check(triggers(ExpectTrigger(table="chat_rooms", name="booking_create_chat")), make_schema()))
    assert "exists on public.bookings" in f.hint


def test_disabled_trigger_gets_an_enable_fix() -> None:
    schema = make_schema(trigger=replace(TRIGGER, enabled="disabled"))
    f = only(check(triggers(ExpectTrigger(table="bookings", name="booking_create_chat")), schema))
    assert f.kind == "trigger_disabled"
    assert f.fix_sql == 'ALTER TABLE "public"."bookings" ENABLE TRIGGER "booking_create_chat"'
    assert f.evidence["actual"]["enabled"] == "disabled"
    assert "never fires" in f.message


def test_replica_trigger_explains_session_replication_role() -> None:
    schema = make_schema(trigger=replace(TRIGGER, enabled="replica"))
    f = only(check(triggers(ExpectTrigger(table="bookings", name="booking_create_chat")), schema))
    assert f.kind == "trigger_disabled"
    assert "session_replication_role = replica" in f.message
    assert f.fix_sql is not None and "ENABLE TRIGGER" in f.fix_sql


def test_always_trigger_counts_as_enabled() -> None:
    schema = make_schema(trigger=replace(TRIGGER, enabled="always"))
    assert check(triggers(ExpectTrigger(table="bookings", name="booking_create_chat")), schema) == []


def test_trigger_declared_disabled_but_firing() -> None:
    f = only(
        check(
            triggers(ExpectTrigger(table="bookings", name="booking_create_chat", enabled=False)),
            make_schema(),
        )
    )
    assert f.kind == "trigger_mismatch"
    assert f.fix_sql == 'ALTER TABLE "public"."bookings" DISABLE TRIGGER "booking_create_chat"'


def test_trigger_declared_disabled_and_disabled_is_clean() -> None:
    schema = make_schema(trigger=replace(TRIGGER, enabled="disabled"))
    assert (
        check(triggers(ExpectTrigger(table="bookings", name="booking_create_chat", enabled=False)), schema)
        == []
    )


def test_trigger_mismatch_lists_every_difference() -> None:
    expect = ExpectTrigger(
        table="public.bookings",
        name="booking_create_chat",
        timing="before",
        events=("insert",),
        function="other.make_chat",
    )
    f = only(check(triggers(expect), make_schema()))
    assert f.kind == "trigger_mismatch"
    assert "fires AFTER, not BEFORE" in f.message
    assert "fires on INSERT or UPDATE, not on INSERT" in f.message
    assert "calls public.create_chat_on_booking_active(), not other.make_chat()" in f.message
    assert f.evidence["actual"]["timing"] == "after"


def test_disabled_and_mismatched_gives_two_findings() -> None:
    schema = make_schema(trigger=replace(TRIGGER, enabled="disabled"))
    found = check(
        triggers(ExpectTrigger(table="bookings", name="booking_create_chat", timing="before")), schema
    )
    assert sorted(f.kind for f in found) == ["trigger_disabled", "trigger_mismatch"]


@pytest.mark.parametrize(
    ("expect", "match"),
    [
        (ExpectTrigger(table="bookings", name="t", timing="afterwards"), "`timing` must be one of"),
        (ExpectTrigger(table="bookings", name="t", events=("upsert",)), "`events` must list some of"),
    ],
)
def test_invalid_trigger_declarations_are_config_errors(expect: ExpectTrigger, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        check(triggers(expect), make_schema())


# --- functions -------------------------------------------------------------------------


def test_missing_function() -> None:
    f = only(
        check(
            Expectations(functions=(ExpectFunction(name="create_chat_on_booking_active"),)),
            make_schema(functions=()),
        )
    )
    assert f.kind == "missing_function" and f.object == "public.create_chat_on_booking_active"
    assert f.fix_sql is None


def test_function_arguments_any_overload_matches_when_unset() -> None:
    overload = replace(FUNCTION, arguments="p_booking_id integer, p_note text")
    schema = make_schema(functions=(overload,))
    assert (
        check(Expectations(functions=(ExpectFunction(name="create_chat_on_booking_active"),)), schema) == []
    )


@pytest.mark.parametrize(
    "arguments", ["integer, text", "int4, varchar", "p_booking_id integer, text", "INT, TEXT"]
)
def test_function_arguments_match_by_type(arguments: str) -> None:
    overload = replace(FUNCTION, arguments="p_booking_id integer, p_note text")
    schema = make_schema(functions=(overload,))
    found = check(Expectations(functions=(ExpectFunction(name=FUNCTION.name, arguments=arguments),)), schema)
    wanted = [] if "varchar" not in arguments else ["missing_function"]
    assert [f.kind for f in found] == wanted


def test_function_with_other_arguments_names_the_overloads() -> None:
    schema = make_schema(functions=(replace(FUNCTION, arguments="bigint"),))
    f = only(check(Expectations(functions=(ExpectFunction(name=f"{FUNCTION.name}(integer)"),)), schema))
    assert f.kind == "missing_function"
    assert f.object == "public.create_chat_on_booking_active(integer)"
    assert "only public.create_chat_on_booking_active(bigint) does" in f.message


def test_function_in_another_schema_is_mentioned() -> None:
    schema = make_schema(functions=(replace(FUNCTION, schema="app"),))
    f = only(check(Expectations(functions=(ExpectFunction(name=FUNCTION.name),)), schema))
    assert "app.create_chat_on_booking_active()" in f.hint


def test_function_changed_language_and_body() -> None:
    expect = ExpectFunction(name=FUNCTION.name, language="sql", body_hash="0" * 64)
    f = only(check(Expectations(functions=(expect,)), make_schema()))
    assert f.kind == "function_changed" and f.severity is Severity.WARNING
    assert "is written in plpgsql, not sql" in f.message
    assert "has body hash 3f1c9a7e5b2d, not 000000000000" in f.message
    assert f.evidence["actual"][0]["language"] == "plpgsql"


@pytest.mark.parametrize(
    "declared", [FUNCTION.body_hash, f"sha256:{FUNCTION.body_hash}", FUNCTION.body_hash[:10]]
)
def test_function_body_hash_may_be_prefixed_or_short(declared: str) -> None:
    expect = ExpectFunction(name=FUNCTION.name, body_hash=declared)
    assert check(Expectations(functions=(expect,)), make_schema()) == []


def test_function_body_hash_too_short_does_not_match() -> None:
    expect = ExpectFunction(name=FUNCTION.name, body_hash=FUNCTION.body_hash[:4])
    assert only(check(Expectations(functions=(expect,)), make_schema())).kind == "function_changed"


# --- indexes ---------------------------------------------------------------------------

IX = Index(
    name="ix_bookings_user_start",
    definition="CREATE INDEX ix_bookings_user_start ON public.bookings USING btree (user_id, starts_at)",
    columns=("user_id", "starts_at"),
)


def test_index_by_name_and_by_columns() -> None:
    schema = make_schema(indexes=(IX,))
    expect = Expectations(
        indexes=(
            ExpectIndex(table="bookings", name="ix_bookings_user_start"),
            ExpectIndex(table="bookings", columns=("user_id", "starts_at"), unique=False),
        )
    )
    assert check(expect, schema) == []


def test_missing_index_by_name() -> None:
    expect = Expectations(
        indexes=(ExpectIndex(table="bookings", name="ix_missing", columns=("user_id", "starts_at")),)
    )
    f = only(check(expect, make_schema(indexes=(IX,))))
    assert f.kind == "missing_index" and f.object == "public.bookings.ix_missing"
    assert (
        f.fix_sql == 'CREATE INDEX CONCURRENTLY "ix_missing" ON "public"."bookings" ("user_id", "starts_at")'
    )
    assert "exists as ix_bookings_user_start" in f.hint


def test_missing_index_by_columns_and_unique() -> None:
    expect = Expectations(
        indexes=(ExpectIndex(table="bookings", columns=("user_id", "starts_at"), unique=True),)
    )
    f = only(check(expect, make_schema(indexes=(IX,))))
    assert f.kind == "missing_index"
    assert f.object == "public.bookings(user_id, starts_at)"
    assert f.fix_sql == 'CREATE UNIQUE INDEX CONCURRENTLY ON "public"."bookings" ("user_id", "starts_at")'
    assert "no-transaction" in f.hint


def test_missing_index_by_name_only_has_no_fix() -> None:
    f = only(check(Expectations(indexes=(ExpectIndex(table="bookings", name="ix_x"),)), make_schema()))
    assert f.kind == "missing_index" and f.fix_sql is None


def test_index_on_missing_table() -> None:
    f = only(check(Expectations(indexes=(ExpectIndex(table="nope", name="ix_x"),)), make_schema()))
    assert f.kind == "missing_index" and "table public.nope does not exist" in f.message


def test_index_with_other_columns_is_a_mismatch() -> None:
    expect = Expectations(
        indexes=(ExpectIndex(table="bookings", name=IX.name, columns=("user_id",), unique=True),)
    )
    f = only(check(expect, make_schema(indexes=(IX,))))
    assert f.kind == "index_mismatch"
    assert "is non-unique on (user_id, starts_at), but unique on (user_id) is declared" in f.message


def test_invalid_index_gets_a_reindex() -> None:
    schema = make_schema(indexes=(replace(IX, valid=False),))
    f = only(check(Expectations(indexes=(ExpectIndex(table="bookings", name=IX.name),)), schema))
    assert f.kind == "invalid_index"
    assert f.fix_sql == 'REINDEX INDEX CONCURRENTLY "public"."ix_bookings_user_start"'


def test_index_needs_a_name_or_columns() -> None:
    with pytest.raises(ConfigError, match="give the index's `name`, or its `columns`"):
        check(Expectations(indexes=(ExpectIndex(table="bookings"),)), make_schema())


# --- extensions ------------------------------------------------------------------------


def test_missing_extension_gets_create_extension() -> None:
    f = only(check(Expectations(extensions=(ExpectExtension(name="uuid-ossp"),)), make_schema()))
    assert f.kind == "missing_extension" and f.object == "uuid-ossp"
    assert f.fix_sql == 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"'


def test_extension_version_mismatch() -> None:
    schema = make_schema(extensions=(Extension(name="pgcrypto", version="1.2"),))
    f = only(check(Expectations(extensions=(ExpectExtension(name="pgcrypto", version="1.3"),)), schema))
    assert f.kind == "extension_version_mismatch"
    assert "at version 1.2, but 1.3 is declared" in f.message
    assert f.fix_sql == "ALTER EXTENSION \"pgcrypto\" UPDATE TO '1.3'"
    assert f.evidence["actual"]["version"] == "1.2"


def test_extension_without_version_matches_any() -> None:
    schema = make_schema(extensions=(Extension(name="pgcrypto", version="1.2"),))
    assert check(Expectations(extensions=(ExpectExtension(name="pgcrypto"),)), schema) == []


# --- constraints -----------------------------------------------------------------------

FK = Constraint(
    name="bookings_user_id_fkey",
    kind="foreign_key",
    definition="FOREIGN KEY (user_id) REFERENCES public.users(id)",
    columns=("user_id",),
    references="public.users",
)


def test_constraint_present_is_clean() -> None:
    expect = Expectations(constraints=(ExpectConstraint(table="bookings", name=FK.name, kind="FOREIGN KEY"),))
    assert check(expect, make_schema(constraints=(FK,))) == []


def test_missing_constraint() -> None:
    f = only(
        check(Expectations(constraints=(ExpectConstraint(table="bookings", name=FK.name),)), make_schema())
    )
    assert f.kind == "missing_constraint" and f.object == "public.bookings.bookings_user_id_fkey"


def test_constraint_on_missing_table() -> None:
    f = only(
        check(Expectations(constraints=(ExpectConstraint(table="users", name="users_pkey"),)), make_schema())
    )
    assert f.kind == "missing_constraint" and "table public.users does not exist" in f.message


def test_constraint_of_another_kind() -> None:
    expect = Expectations(constraints=(ExpectConstraint(table="bookings", name=FK.name, kind="check"),))
    f = only(check(expect, make_schema(constraints=(FK,))))
    assert f.kind == "constraint_mismatch"
    assert "is a foreign key constraint, not a check constraint" in f.message


def test_constraint_not_validated_gets_validate() -> None:
    schema = make_schema(constraints=(replace(FK, validated=False),))
    f = only(check(Expectations(constraints=(ExpectConstraint(table="bookings", name=FK.name),)), schema))
    assert f.kind == "constraint_not_validated"
    assert f.fix_sql == 'ALTER TABLE "public"."bookings" VALIDATE CONSTRAINT "bookings_user_id_fkey"'


def test_unknown_constraint_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="`kind` must be one of"):
        check(
            Expectations(constraints=(ExpectConstraint(table="bookings", name="x", kind="magic"),)),
            make_schema(),
        )


def test_schema_qualified_names_in_another_schema() -> None:
    app_table = Table(schema="app", name="jobs", constraints=(replace(FK, name="jobs_fk"),))
    schema = Schema(schemas=("app",), tables=(app_table,))
    ok = Expectations(
        constraints=(
            ExpectConstraint(table="app.jobs", name="jobs_fk"),
            ExpectConstraint(table="jobs", schema="app", name="jobs_fk"),
        )
    )
    assert check(ok, schema) == []
    assert only(
        check(Expectations(constraints=(ExpectConstraint(table="jobs", name="jobs_fk"),)), schema)
    ).kind == ("missing_constraint")
