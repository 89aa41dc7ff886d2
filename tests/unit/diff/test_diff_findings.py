"""to_findings(): codes, severities with their reasons, messages, hints with both fixes, JSON evidence."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import pytest

from pgwarden import codes
from pgwarden.catalog import Column, Function, Index, Schema, Table, Trigger
from pgwarden.diff import diff, to_findings
from pgwarden.findings import Finding, Severity

ID = Column("id", "integer", False)
TS = "timestamp with time zone"


def t(name: str, *columns: Column, **kw: Any) -> Table:
    return Table(schema="public", name=name, columns=columns, **kw)


def one(expected: Schema, actual: Schema, attributes: Mapping[str, str] | None = None) -> Finding:
    found = to_findings(diff(expected, actual), attributes=attributes)
    assert len(found) == 1, found
    return found[0]


def test_rename_finding_offers_both_fixes_and_names_the_model_attribute() -> None:
    finding = one(
        Schema(tables=(t("conversations", ID, Column("created_at", TS, False, "now()")),)),
        Schema(tables=(t("conversations", ID, Column("started_at", TS, False, "now()")),)),
        attributes={"public.conversations.created_at": "Conversation.created_at"},
    )
    assert (finding.code, finding.kind, finding.severity) == ("PW105", "probable_rename", Severity.ERROR)
    assert finding.object == "public.conversations.created_at"
    assert finding.message == (
        "Column public.conversations.created_at is expected but the database has "
        "public.conversations.started_at of the same type: probably renamed on one side only."
    )
    assert (
        finding.fix_sql == 'ALTER TABLE "public"."conversations" RENAME COLUMN "started_at" TO "created_at";'
    )
    assert 'created_at: Mapped[datetime] = mapped_column("started_at")' in finding.hint
    assert "class Conversation" in finding.hint
    assert finding.source == "drift"
    assert finding.evidence["actual"]["name"] == "started_at"


def test_rename_hint_for_a_classic_column_model_uses_column() -> None:
    finding = one(
        Schema(tables=(t("conversations", ID, Column("created_at", TS, False, "now()")),)),
        Schema(tables=(t("conversations", ID, Column("started_at", TS, False, "now()")),)),
        attributes={
            "public.conversations.created_at": "Conversation.created_at",
            "public.conversations.created_at#classic": "Column",
        },
    )
    assert '`created_at = Column("started_at", ...)` (the database\'s column name first' in finding.hint
    assert "mapped_column" not in finding.hint and "class Conversation" in finding.hint


def test_rename_hint_for_an_unmapped_column_uses_the_column_name_and_optional_type() -> None:
    finding = one(
        Schema(tables=(t("c", ID, Column("note", "text")),)),
        Schema(tables=(t("c", ID, Column("remark", "text")),)),
        attributes={"public.c.id": "C.id"},
    )
    assert 'note: Mapped[str | None] = mapped_column("remark")' in finding.hint


def test_without_models_a_rename_hint_offers_no_model_code() -> None:
    column = one(
        Schema(tables=(t("c", ID, Column("note", "text")),)),
        Schema(tables=(t("c", ID, Column("remark", "text")),)),
    )
    assert "Mapped" not in column.hint and "Column(" not in column.hint and "model" not in column.hint
    assert "record the rename in a migration" in column.hint
    table = one(
        Schema(tables=(t("users", ID, Column("note", "text")),)),
        Schema(tables=(t("members", ID, Column("note", "text")),)),
    )
    assert table.kind == "probable_rename" and "__tablename__" not in table.hint
    assert "rename the table" in table.hint and "column" not in table.hint


def test_a_table_rename_hint_names_the_models_class_and_no_column() -> None:
    finding = one(
        Schema(tables=(t("users", ID, Column("note", "text")),)),
        Schema(tables=(t("members", ID, Column("note", "text")),)),
        attributes={"public.users.id": "User.id", "public.users.note": "User.note"},
    )
    assert finding.hint == (
        "Either rename the table in the database (the fix SQL), or keep it and point class User at it with "
        '__tablename__ = "members".'
    )


@pytest.mark.parametrize(
    ("column", "severity"),
    [
        (Column("x", "text", False), Severity.ERROR),  # NOT NULL, no default: INSERTs from the code fail
        (Column("x", "text", False, "'a'::text"), Severity.WARNING),
        (Column("x", "text", True), Severity.WARNING),
        (Column("x", "bigint", False, identity="always"), Severity.WARNING),
    ],
)
def test_extra_column_severity(column: Column, severity: Severity) -> None:
    finding = one(Schema(tables=(t("jobs", ID),)), Schema(tables=(t("jobs", ID, column),)))
    assert finding.kind == "extra_column"
    assert finding.severity is severity
    assert finding.fix_sql == 'ALTER TABLE "public"."jobs" DROP COLUMN "x";'


def test_nullability_severity_depends_on_direction() -> None:
    stricter = one(
        Schema(tables=(t("x", Column("a", "text")),)), Schema(tables=(t("x", Column("a", "text", False)),))
    )
    looser = one(
        Schema(tables=(t("x", Column("a", "text", False)),)), Schema(tables=(t("x", Column("a", "text")),))
    )
    assert stricter.severity is Severity.ERROR
    assert "NULL fails" in stricter.message
    assert looser.severity is Severity.WARNING


def test_missing_default_on_not_null_column_is_an_error() -> None:
    relied = one(
        Schema(tables=(t("x", Column("a", TS, False, "now()")),)),
        Schema(tables=(t("x", Column("a", TS, False)),)),
    )
    cosmetic = one(
        Schema(tables=(t("x", Column("a", "integer", True, "1")),)),
        Schema(tables=(t("x", Column("a", "integer", True, "2")),)),
    )
    assert relied.severity is Severity.ERROR
    assert cosmetic.severity is Severity.WARNING
    assert cosmetic.evidence == {"expected": "1", "actual": "2"}


def test_unique_index_severity() -> None:
    ix = Index("u", "CREATE UNIQUE INDEX u ON public.x USING btree (id)", ("id",), unique=True)
    plain = Index("p", "CREATE INDEX p ON public.x USING btree (id)", ("id",))
    missing = one(Schema(tables=(t("x", ID, indexes=(ix,)),)), Schema(tables=(t("x", ID),)))
    extra_unique = one(Schema(tables=(t("x", ID),)), Schema(tables=(t("x", ID, indexes=(ix,)),)))
    extra_plain = one(Schema(tables=(t("x", ID),)), Schema(tables=(t("x", ID, indexes=(plain,)),)))
    assert missing.severity is Severity.ERROR
    assert extra_unique.severity is Severity.WARNING
    assert extra_plain.severity is Severity.INFO


def test_replica_trigger_message_says_it_does_not_fire() -> None:
    tr = Trigger(
        "booking_create_chat",
        "public.bookings",
        "before",
        ("insert",),
        "row",
        "public.f",
        "CREATE TRIGGER booking_create_chat BEFORE INSERT ON public.bookings FOR EACH ROW "
        "EXECUTE FUNCTION public.f()",
    )
    finding = one(
        Schema(tables=(t("bookings", ID, triggers=(tr,)),)),
        Schema(tables=(t("bookings", ID, triggers=(dataclasses.replace(tr, enabled="replica"),)),)),
    )
    assert (finding.code, finding.severity) == ("PW143", Severity.ERROR)
    assert "replica triggers do not fire in normal sessions" in finding.message
    assert finding.fix_sql == 'ALTER TABLE "public"."bookings" ENABLE TRIGGER "booking_create_chat";'


def test_function_result_type_change_is_an_error() -> None:
    f = Function(
        "public", "f", "", returns="integer", body_hash="a", definition="CREATE OR REPLACE FUNCTION ..."
    )
    body = one(Schema(functions=(f,)), Schema(functions=(dataclasses.replace(f, body_hash="b"),)))
    result = one(Schema(functions=(f,)), Schema(functions=(dataclasses.replace(f, returns="bigint"),)))
    assert (body.kind, body.severity) == ("function_changed", Severity.WARNING)
    assert "body" in body.message
    assert result.severity is Severity.ERROR
    assert result.fix_sql is not None and result.fix_sql.startswith('DROP FUNCTION "public"."f"();')


def test_every_finding_has_code_message_hint_and_json_evidence() -> None:
    expected = Schema(
        schemas=("public",),
        tables=(t("a", ID, Column("b", "text", comment="c")),),
        functions=(Function("public", "f", "", body_hash="h", definition="CREATE FUNCTION ..."),),
    )
    actual = Schema(schemas=("public", "old"), tables=(t("z", Column("q", "bigint")),))
    found = to_findings(diff(expected, actual))
    assert found
    for f in found:
        code = codes.lookup(f.code)
        assert code is not None and code.kind == f.kind
        assert f.message.endswith(".")
        assert f.hint
        json.dumps(f.to_dict())
        assert set(f.evidence) == {"expected", "actual"}


def test_default_hint_for_an_autoincrement_key_the_database_lacks() -> None:
    serial = Column("id", "integer", False, "nextval('users_id_seq'::regclass)")
    finding = one(Schema(tables=(t("users", serial),)), Schema(tables=(t("users", ID),)))
    assert finding.code == "PW108"
    assert "autoincrement=False" in finding.hint and "NOT NULL" in finding.hint
    dropped = one(Schema(tables=(t("users", ID),)), Schema(tables=(t("users", serial),)))
    assert dropped.hint.startswith("Drop the default with the fix SQL")


UNIQUE = Index(
    "users_email_key",
    "CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)",
    ("email",),
    unique=True,
)
EMAIL = Column("email", "text")


def test_unique_index_hints_talk_about_duplicates() -> None:
    with_index = Schema(tables=(t("users", ID, EMAIL, indexes=(UNIQUE,)),))
    without = Schema(tables=(t("users", ID, EMAIL),))
    missing = one(with_index, without)
    assert missing.code == "PW121" and "accepts duplicates" in missing.hint
    extra = one(without, with_index)
    assert extra.code == "PW122" and "keeps duplicates out" in extra.hint and "unique=True" in extra.hint


def test_an_extra_enum_label_in_the_database_is_a_warning_fixed_in_the_code() -> None:
    from pgwarden.catalog.model import Enum

    column = t("t", ID, Column("m", "public.mood"))
    code = Schema(tables=(column,), enums=(Enum("public", "mood", ("sad", "ok")),))
    live = Schema(tables=(column,), enums=(Enum("public", "mood", ("sad", "it's", "ok")),))
    finding = one(code, live, attributes={"public.t.m": "T.m"})
    assert (finding.code, finding.severity, finding.fix_sql) == ("PW183", Severity.WARNING, None)
    assert finding.message == (
        "Enum type public.mood has labels the code does not know: 'it''s' (the database has (sad, it's, ok), "
        "the code expects (sad, ok))."
    )
    assert """`Enum("sad", "it's", "ok", name="mood")`""" in finding.hint
    assert "ALTER TYPE public.mood ADD VALUE 'it''s' AFTER 'sad'" in finding.hint
    assert finding.evidence["extra_labels"] == ["it's"]
    assert "model" not in one(code, live).hint  # no models: the migration only
    # Labels missing from the database (or reordered) stay errors with their SQL fix.
    missing = one(live, code)
    assert missing.severity is Severity.ERROR and "ADD VALUE" in (missing.fix_sql or "")
    reordered = one(Schema(tables=(column,), enums=(Enum("public", "mood", ("ok", "sad")),)), code)
    assert reordered.severity is Severity.ERROR and reordered.fix_sql
