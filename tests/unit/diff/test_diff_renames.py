"""Probable renames: one change instead of a missing plus an extra, paired 1:1 and deterministically."""

from __future__ import annotations

from typing import Any

import pytest

from pgwarden.catalog import Column, Constraint, Index, Schema, Sequence, Table, View
from pgwarden.diff import Change, ColumnChange, TableChange, diff, plan, render_sql
from pgwarden.diff.renames import pair_renames


def table(name: str, *columns: Column, schema: str = "public", **kw: Any) -> Table:
    return Table(schema=schema, name=name, columns=columns, **kw)


def db(*tables: Table, sequences: tuple[Sequence, ...] = ()) -> Schema:
    return Schema(schemas=("public",), tables=tables, sequences=sequences)


TS = "timestamp with time zone"


def kinds(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.kind, c.object) for c in changes]


def test_column_rename_is_one_change() -> None:
    expected = db(
        table("conversations", Column("id", "bigint", False), Column("created_at", TS, False, "now()"))
    )
    actual = db(
        table("conversations", Column("id", "bigint", False), Column("started_at", TS, False, "now()"))
    )
    changes = diff(expected, actual)
    assert kinds(changes) == [("probable_rename", "public.conversations.created_at")]
    change = changes[0]
    assert isinstance(change, ColumnChange)
    assert change.expected is not None and change.expected.name == "created_at"
    assert change.actual is not None and change.actual.name == "started_at"
    assert render_sql(changes) == (
        'ALTER TABLE "public"."conversations" RENAME COLUMN "started_at" TO "created_at";\n'
    )


def test_different_type_or_nullability_is_not_a_rename() -> None:
    expected = db(table("t", Column("a", "integer"), Column("b", "text", False)))
    actual = db(table("t", Column("x", "bigint"), Column("y", "text", True)))
    assert sorted(c.kind for c in diff(expected, actual)) == [
        "extra_column",
        "extra_column",
        "missing_column",
        "missing_column",
    ]


def test_several_candidates_pair_by_name_similarity() -> None:
    expected = db(table("t", Column("user_name", "text"), Column("email_address", "text")))
    actual = db(table("t", Column("email", "text"), Column("username", "text")))
    pairs = {
        (c.expected.name, c.actual.name)
        for c in diff(expected, actual)
        if isinstance(c, ColumnChange) and c.expected and c.actual
    }
    assert pairs == {("user_name", "username"), ("email_address", "email")}


def test_ties_are_broken_by_default_then_name() -> None:
    expected = db(table("t", Column("a", "integer", True, "1")))
    actual = db(table("t", Column("c", "integer", True, None), Column("b", "integer", True, "1")))
    changes = diff(expected, actual)
    renames = [c for c in changes if c.kind == "probable_rename"]
    assert len(renames) == 1
    assert isinstance(renames[0], ColumnChange) and renames[0].actual is not None
    # "b" and "c" are equally unlike "a"; "b" has the same default.
    assert renames[0].actual.name == "b"
    assert [c.kind for c in changes if c.kind != "probable_rename"] == ["extra_column"]


def test_pairing_is_one_to_one_and_independent_of_input_order() -> None:
    missing = ["alpha", "beta", "gamma"]
    extra = ["gama", "alfa", "bet", "delta"]
    first = pair_renames(missing, extra, signature=lambda _: 1, name=str)
    second = pair_renames(list(reversed(missing)), list(reversed(extra)), signature=lambda _: 1, name=str)
    assert first == second == [("alpha", "alfa"), ("beta", "bet"), ("gamma", "gama")]


def test_none_signature_never_pairs() -> None:
    assert pair_renames(["a"], ["a2"], signature=lambda _: None, name=str) == []


def test_table_rename_with_its_constraints_indexes_and_serial_sequence() -> None:
    def orders(name: str) -> tuple[Table, Sequence]:
        seq = Sequence(
            "public", f"{name}_id_seq", "integer", max_value=2147483647, owned_by=f"public.{name}.id"
        )
        t = table(
            name,
            Column("id", "integer", False, f"nextval('public.{name}_id_seq'::regclass)"),
            Column("total", "numeric", False),
            constraints=(Constraint(f"{name}_pkey", "primary_key", "PRIMARY KEY (id)", ("id",)),),
            indexes=(
                Index(
                    f"{name}_pkey",
                    f"CREATE UNIQUE INDEX {name}_pkey ON public.{name} USING btree (id)",
                    ("id",),
                    unique=True,
                    primary=True,
                    constraint=f"{name}_pkey",
                ),
                Index(
                    f"{name}_total_idx",
                    f"CREATE INDEX {name}_total_idx ON public.{name} USING btree (total)",
                    ("total",),
                ),
            ),
        )
        return t, seq

    expected_t, expected_s = orders("purchases")
    actual_t, actual_s = orders("orders")
    changes = diff(db(expected_t, sequences=(expected_s,)), db(actual_t, sequences=(actual_s,)))
    assert kinds(changes) == [
        ("probable_rename", "public.purchases_id_seq"),
        ("probable_rename", "public.purchases"),
        ("probable_rename", "public.purchases.purchases_pkey"),
        ("probable_rename", "public.purchases.purchases_total_idx"),
    ]
    assert render_sql(changes).splitlines() == [
        'ALTER SEQUENCE "public"."orders_id_seq" RENAME TO "purchases_id_seq";',
        "",
        'ALTER TABLE "public"."orders" RENAME TO "purchases";',
        "",
        'ALTER TABLE "public"."purchases" RENAME CONSTRAINT "orders_pkey" TO "purchases_pkey";',
        "",
        'ALTER INDEX "public"."orders_total_idx" RENAME TO "purchases_total_idx";',
    ]


def test_table_rename_across_schemas() -> None:
    expected = Schema(
        schemas=("app", "legacy"), tables=(table("jobs", Column("id", "integer"), schema="app"),)
    )
    actual = Schema(
        schemas=("app", "legacy"), tables=(table("jobs", Column("id", "integer"), schema="legacy"),)
    )
    changes = diff(expected, actual)
    assert kinds(changes) == [("probable_rename", "app.jobs")]
    assert isinstance(changes[0], TableChange)
    assert render_sql(changes) == 'ALTER TABLE "legacy"."jobs" SET SCHEMA "app";\n'


@pytest.mark.parametrize(
    ("others", "script"),
    [
        pytest.param(
            (table("jobs", Column("x", "text"), schema="app"),),
            [
                'ALTER TABLE "legacy"."jobs" RENAME TO "tasks";',
                'ALTER TABLE "legacy"."tasks" SET SCHEMA "app";',
            ],
            id="old-name-taken-in-new-schema",
        ),
        pytest.param(
            (table("tasks", Column("x", "text"), schema="legacy"),),
            [
                'ALTER TABLE "legacy"."jobs" SET SCHEMA "app";',
                'ALTER TABLE "app"."jobs" RENAME TO "tasks";',
            ],
            id="new-name-taken-in-old-schema",
        ),
        pytest.param(
            (
                table("tasks", Column("x", "text"), schema="legacy"),
                table("jobs", Column("y", "date"), schema="app"),
            ),
            [
                'ALTER TABLE "legacy"."jobs" RENAME TO "jobs__pgwarden_move";',
                'ALTER TABLE "legacy"."jobs__pgwarden_move" SET SCHEMA "app";',
                'ALTER TABLE "app"."jobs__pgwarden_move" RENAME TO "tasks";',
            ],
            id="both-taken",
        ),
    ],
)
def test_table_moved_and_renamed_never_passes_through_a_taken_name(
    others: tuple[Table, ...], script: list[str]
) -> None:
    moved = Column("id", "integer"), Column("due", TS)
    expected = Schema(schemas=("app", "legacy"), tables=(table("tasks", *moved, schema="app"), *others))
    actual = Schema(schemas=("app", "legacy"), tables=(table("jobs", *moved, schema="legacy"), *others))
    changes = diff(expected, actual)
    assert kinds(changes) == [("probable_rename", "app.tasks")]
    assert [line for line in render_sql(changes).splitlines() if line] == script


def test_views_naming_a_renamed_tables_old_name_are_pointed_at_what_takes_it() -> None:
    """Views read by OID: after the rename they would read ``x.t_data``, but they name ``x.data``."""
    cols = Column("id", "uuid"), Column("name", "text")
    q = View("x", "q", " SELECT data.id,\n    data.name\n   FROM x.data;", columns=("id", "name"))
    m = View("x", "m", " SELECT data.id\n   FROM x.data;", materialized=True, columns=("id",))
    new = View("x", "data", " SELECT t_data.id,\n    t_data.name\n   FROM x.t_data;", columns=("id", "name"))
    expected = Schema(schemas=("x",), tables=(table("t_data", *cols, schema="x"),), views=(new, q, m))
    actual = Schema(schemas=("x",), tables=(table("data", *cols, schema="x"),), views=(q, m))
    statements = [s.sql.splitlines()[0] for s in plan(diff(expected, actual))]
    assert statements == [
        'ALTER TABLE "x"."data" RENAME TO "t_data";',
        'DROP MATERIALIZED VIEW "x"."m";',
        'CREATE VIEW "x"."data" ("id", "name") AS',
        'CREATE MATERIALIZED VIEW "x"."m" ("id") AS',
        'CREATE OR REPLACE VIEW "x"."q" ("id", "name") AS',
    ]


def test_views_naming_the_new_name_follow_the_rename_untouched() -> None:
    cols = Column("id", "uuid"), Column("name", "text")
    old = View("x", "q", " SELECT data.id\n   FROM x.data;", columns=("id",))
    new = View("x", "q", " SELECT t_data.id\n   FROM x.t_data;", columns=("id",))
    expected = Schema(schemas=("x",), tables=(table("t_data", *cols, schema="x"),), views=(new,))
    actual = Schema(schemas=("x",), tables=(table("data", *cols, schema="x"),), views=(old,))
    renamed = [c for c in diff(expected, actual) if isinstance(c, TableChange)]
    assert len(renamed) == 1 and renamed[0].dependents is None


def test_tables_with_different_columns_are_not_renames() -> None:
    expected = db(table("a", Column("id", "integer"), Column("x", "text")))
    actual = db(table("b", Column("id", "integer")))
    assert sorted(c.kind for c in diff(expected, actual)) == ["extra_table", "missing_table"]


def test_empty_tables_are_never_paired() -> None:
    assert sorted(c.kind for c in diff(db(table("a")), db(table("b")))) == ["extra_table", "missing_table"]


def test_a_standalone_sequence_does_not_pair_with_a_serial_one() -> None:
    expected = db(sequences=(Sequence("public", "t_id_seq", owned_by="public.t.id"),))
    actual = db(sequences=(Sequence("public", "counter"),))
    assert sorted(c.kind for c in diff(expected, actual)) == ["extra_sequence", "missing_sequence"]


def test_a_rename_does_not_also_report_the_indexes_and_triggers_on_the_column() -> None:
    def conversations(column: str) -> Table:
        return table(
            "conversations",
            Column("id", "bigint", False),
            Column(column, TS, False),
            constraints=(Constraint("c_check", "check", f"CHECK (({column} > '2000-01-01'::date))"),),
            indexes=(
                Index("c_idx", f"CREATE INDEX c_idx ON public.conversations USING btree (id, {column})"),
            ),
        )

    changes = diff(db(conversations("created_at")), db(conversations("started_at")))
    assert kinds(changes) == [("probable_rename", "public.conversations.created_at")]


def test_a_serial_sequence_pairs_only_with_one_owned_by_the_same_table() -> None:
    def serial(table_name: str) -> Sequence:
        return Sequence("public", f"{table_name}_id_seq", "integer", owned_by=f"public.{table_name}.id")

    expected = db(
        table("new_jobs", Column("id", "integer", False), Column("kind", "text")),
        sequences=(serial("new_jobs"),),
    )
    actual = db(table("old_jobs", Column("id", "integer", False)), sequences=(serial("old_jobs"),))
    # Renaming old_jobs_id_seq would hand it to old_jobs, whose drop takes it along.
    assert sorted(c.kind for c in diff(expected, actual)) == [
        "extra_table",
        "missing_sequence",
        "missing_table",
    ]
