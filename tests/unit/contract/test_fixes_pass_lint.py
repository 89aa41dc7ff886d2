"""Every fix SQL ``check`` offers for the live database passes pgwarden's own lint.

A fix is run by hand on tables in use: it must set its timeouts, build indexes CONCURRENTLY, add
constraints NOT VALID and validate them apart, and keep the rest in one transaction. The fixes
come from generated (models, migrations, live) triples and from fixed cases of every shape the
planner writes; the lint is the one ``pgwarden lint`` runs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from test_three_way_fixes import KEY, KEY_INDEX, schemas

from pgwarden.catalog.model import Column, Constraint, Enum, Index, Schema, Table
from pgwarden.contract import Expected
from pgwarden.contract.expected import MODEL_OBJECT_TYPES
from pgwarden.diff.live_fix import for_live, statements
from pgwarden.findings import Finding
from pgwarden.lint import ALL_RULES, Settings, lint_text
from pgwarden.orchestrator import compare

# What a fix for live must never be told: the rules about locks, timeouts and transactions.
NEVER = {
    "missing-lock-timeout",
    "missing-statement-timeout",
    "index-without-concurrently",
    "drop-index-without-concurrently",
    "constraint-without-not-valid",
    "foreign-key-lock",
    "unique-constraint-without-index",
    "set-not-null-scan",
    "concurrently-in-transaction",
    "nested-transaction",
    "unclosed-transaction",
    "non-robust-statement",
}


def assert_lint_clean(finding: Finding) -> None:
    assert finding.fix_sql
    said = {f.kind for f in lint_text("fix.sql", finding.fix_sql, Settings(rules=ALL_RULES))}
    assert not (said & NEVER), (finding.object, said & NEVER, finding.fix_sql)


def _table(name: str, columns: tuple[Column, ...], **parts: object) -> Table:
    return Table("public", name, columns=columns, **parts)  # type: ignore[arg-type]


ID = Column("id", "bigint", nullable=False)
USERS = _table(
    "users", (ID, Column("email", "text", nullable=True)), constraints=(KEY,), indexes=(KEY_INDEX,)
)
FK = Constraint(
    "orders_user_id_fkey",
    "foreign_key",
    "FOREIGN KEY (user_id) REFERENCES public.users(id)",
    columns=("user_id",),
)
CHECK = Constraint("orders_total_positive", "check", "CHECK ((total > 0))", columns=("total",))
UNIQUE = Constraint("users_email_key", "unique", "UNIQUE (email)", columns=("email",))
UNIQUE_INDEX = Index(
    "users_email_key",
    "CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)",
    ("email",),
    True,
    constraint="users_email_key",
)
EMAIL_INDEX = Index(
    "ix_users_email", "CREATE INDEX ix_users_email ON public.users USING btree (email)", ("email",)
)


def _orders(*constraints: Constraint, total_null: bool = True) -> Table:
    return _table(
        "orders",
        (ID, Column("user_id", "bigint", nullable=True), Column("total", "integer", nullable=total_null)),
        constraints=(
            Constraint("orders_pkey", "primary_key", "PRIMARY KEY (id)", columns=("id",)),
            *constraints,
        ),
    )


def _schema(*tables: Table, enums: tuple[Enum, ...] = ()) -> Schema:
    return Schema(schemas=("public",), tables=tables, enums=enums)


CASES = {
    "foreign key": (_schema(USERS, _orders(FK)), _schema(USERS, _orders())),
    "check": (_schema(USERS, _orders(CHECK)), _schema(USERS, _orders())),
    "set not null": (_schema(USERS, _orders(total_null=False)), _schema(USERS, _orders())),
    "index": (
        _schema(_table("users", USERS.columns, constraints=(KEY,), indexes=(KEY_INDEX, EMAIL_INDEX))),
        _schema(USERS),
    ),
    "extra index": (
        _schema(USERS),
        _schema(_table("users", USERS.columns, constraints=(KEY,), indexes=(KEY_INDEX, EMAIL_INDEX))),
    ),
    "unique": (
        _schema(_table("users", USERS.columns, constraints=(KEY, UNIQUE), indexes=(KEY_INDEX, UNIQUE_INDEX))),
        _schema(USERS),
    ),
    "narrowing": (
        _schema(
            _table("users", (ID, Column("email", "character varying(5)", nullable=True)), constraints=(KEY,))
        ),
        _schema(
            _table("users", (ID, Column("email", "character varying(10)", nullable=True)), constraints=(KEY,))
        ),
    ),
    "table with key and foreign key": (_schema(USERS, _orders(FK)), _schema(USERS)),
    "enum label": (
        _schema(USERS, enums=(Enum("public", "mood", ("sad", "ok", "happy")),)),
        _schema(USERS, enums=(Enum("public", "mood", ("sad", "ok")),)),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_shape_of_live_fix_passes_lint(case: str) -> None:
    expected, live = CASES[case]
    found = compare([Expected("migrations", "migrations", expected)], live).findings
    fixes = [f for f in found if f.fix_sql]
    assert fixes, found
    for finding in fixes:
        assert_lint_clean(finding)


@settings(max_examples=150, deadline=None)
@given(models=schemas(), migrations=schemas(), live=schemas())
def test_every_fix_of_generated_triples_passes_lint(models: Schema, migrations: Schema, live: Schema) -> None:
    sources = [
        Expected("app:Base", "models", models, attributes={"public.t.id": "T.id"}, covers=MODEL_OBJECT_TYPES),
        Expected("migrations", "migrations", migrations),
    ]
    for finding in compare(sources, live).findings:
        if finding.fix_sql and str(finding.evidence.get("where")) in ("three_way", "migrations_vs_live"):
            assert_lint_clean(finding)


def test_the_splitter_keeps_quotes_dollar_bodies_and_drops_comments() -> None:
    script = (
        "-- a comment; with a semicolon\n"
        "DO $g$ BEGIN RAISE 'a;b'; END $g$;\n"
        "COMMENT ON TABLE t IS 'it''s; here';\n"
        'ALTER TABLE "a;b" ADD COLUMN x int;'
    )
    assert statements(script) == [
        "DO $g$ BEGIN RAISE 'a;b'; END $g$;",
        "COMMENT ON TABLE t IS 'it''s; here';",
        'ALTER TABLE "a;b" ADD COLUMN x int;',
    ]


def test_a_fix_with_its_own_transaction_is_left_alone_and_a_new_table_keeps_plain_ddl() -> None:
    own = "BEGIN;\nALTER TABLE t ADD COLUMN x int;\nCOMMIT;"
    assert for_live(own) == own
    fix = for_live(
        "CREATE TABLE public.t (id bigint NOT NULL);\nCREATE INDEX ix_t ON public.t USING btree (id);\n"
        "ALTER TABLE public.t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES public.u(id);"
    )
    assert fix is not None
    assert "CONCURRENTLY" not in fix and "NOT VALID" not in fix  # nobody uses a table made here yet
    assert statements(fix)[-1] == "COMMIT;"


def test_new_enum_labels_are_committed_before_the_statements_that_use_them() -> None:
    fix = for_live(
        "ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';\nCOMMIT;\n"
        "ALTER TABLE public.t ALTER COLUMN m SET DEFAULT 'happy'::public.mood;"
    )
    assert fix is not None
    said = {f.kind for f in lint_text("fix.sql", fix, Settings(rules=ALL_RULES))}
    assert not (said & NEVER), said
    parts = statements(fix)
    assert parts.index("ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';") < parts.index("COMMIT;")
    assert parts.count("BEGIN;") == 2 and parts[-1] == "COMMIT;"
