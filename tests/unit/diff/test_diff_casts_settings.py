"""Pure helpers of issue 26: USING expressions where no cast exists, identity options reduced to non-defaults."""

from __future__ import annotations

from pgwarden.catalog._settings import default_identity_options, identity_options
from pgwarden.diff._casts import using
from pgwarden.diff._order import function_calls


def test_epoch_numbers_become_timestamps_through_to_timestamp_with_the_assumption_said() -> None:
    expression, assumes = using('"t"', "bigint", "timestamp without time zone")
    assert expression == "(to_timestamp(\"t\") AT TIME ZONE 'UTC')::timestamp without time zone"
    assert assumes is not None and "seconds" in assumes
    assert using('"t"', "integer", "timestamp(3) with time zone")[0].startswith('to_timestamp("t")')
    assert using('"t"', "timestamp with time zone", "bigint")[0] == 'extract(epoch FROM "t")::bigint'


def test_user_defined_types_go_through_text_and_plain_casts_stay_plain() -> None:
    assert using('"s"', "public.old_status", "public.new_status") == ('"s"::text::public.new_status', None)
    assert using('"s"', "public.a[]", "public.b[]") == ('"s"::text[]::public.b[]', None)
    assert using('"n"', "integer", "bigint") == ('"n"::bigint', None)


def test_identity_options_keep_only_what_differs_from_the_type_defaults() -> None:
    assert identity_options("integer", 1, 1, 1, 2**31 - 1, 1, False) == ()
    assert identity_options("smallint", -10, 1, -10, 2**15 - 1, 1, True) == (
        "MINVALUE -10",
        "START WITH -10",
        "CYCLE",
    )
    assert identity_options("bigint", -1, -1, -(2**63), -1, 1, False) == ("INCREMENT BY -1",)
    assert "MAXVALUE 2147483647" in default_identity_options("integer")


def test_function_calls_are_read_from_sql_standard_bodies_only() -> None:
    body = "CREATE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql RETURN (s.g(a) + h(a));"
    assert function_calls(body) == {"s.g", "public.h"}
    quoted = "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT s.g(1) $$;"
    assert function_calls(quoted) == set()


def test_a_constraint_stricter_than_expected_is_reported_as_info_with_a_not_valid_fix() -> None:
    from pgwarden.catalog import Constraint, Schema, Table
    from pgwarden.diff import diff, render_sql, to_findings

    check = Constraint("c", "check", "CHECK ((id > 0))")
    not_valid = Constraint("c", "check", "CHECK ((id > 0)) NOT VALID", validated=False)
    changes = diff(
        Schema(tables=(Table("public", "t", constraints=(not_valid,)),)),
        Schema(tables=(Table("public", "t", constraints=(check,)),)),
    )
    [finding] = to_findings(changes, attributes={})
    assert finding.severity.value == "info"
    assert 'ADD CONSTRAINT "c" CHECK ((id > 0)) NOT VALID;' in render_sql(changes)
