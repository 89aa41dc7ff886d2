"""inspect() against a real server: every object kind, filters, and a query count independent of size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgwarden.catalog import QUERIES, inspect, inspect_with_privileges
from pgwarden.catalog.acl import with_privileges
from pgwarden.catalog.normalize import body_hash

FIXTURE = (Path(__file__).parent / "catalog_fixture.sql").read_text()


@pytest.fixture
def loaded(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    conn.execute(FIXTURE)
    return conn


def test_tables_columns_constraints(loaded: psycopg.Connection[Any]) -> None:
    schema = inspect(loaded)
    assert schema.schemas == ("app", "public")
    users = schema.table("public.users")
    assert users is not None
    assert [c.name for c in users.columns] == ["id", "name", "m", "age", "email", "created_at"]
    name = users.column("name")
    assert name is not None
    assert (name.type, name.nullable, name.collation, name.comment) == (
        "character varying(50)",
        False,
        "C",
        "the name",
    )
    assert users.column("id").default == "nextval('public.users_id_seq'::regclass)"  # type: ignore[union-attr]
    assert users.column("m").type == "public.mood"  # type: ignore[union-attr]
    assert users.comment == "people"
    assert users.rls_enabled and not users.rls_forced
    assert {c.name: c.kind for c in users.constraints} == {
        "users_email_key": "unique",
        "users_pkey": "primary_key",
    }

    orders = schema.table("app.orders")
    assert orders is not None
    assert orders.column("id").identity == "always"  # type: ignore[union-attr]
    assert orders.column("doubled").generated == "(total * (2)::numeric)"  # type: ignore[union-attr]
    fk = orders.constraint_map["orders_user_id_fkey"]
    assert fk.references == "public.users"
    assert fk.deferrable and fk.initially_deferred
    assert "REFERENCES public.users(id) ON DELETE CASCADE" in fk.definition
    assert orders.constraint_map["c_nv"].validated is False
    assert orders.constraint_map["orders_total_check"].columns == ("total",)


def test_indexes(loaded: psycopg.Connection[Any]) -> None:
    orders = inspect(loaded).table("app.orders")
    assert orders is not None
    idx = orders.index_map
    assert idx["orders_pkey"].primary and idx["orders_pkey"].constraint == "orders_pkey"
    assert idx["orders_lower"].unique and idx["orders_lower"].columns == ("lower(total::text)",)
    assert idx["orders_user_id_idx"].predicate == "total > 0::numeric"
    assert all(i.valid for i in orders.indexes)


def test_partitions_keep_inherited_objects_on_the_parent(loaded: psycopg.Connection[Any]) -> None:
    schema = inspect(loaded)
    parent, child = schema.table("public.ev"), schema.table("public.ev_2024")
    assert parent is not None and child is not None
    assert parent.kind == "partitioned" and parent.partition_key == "RANGE (at)"
    assert child.partition_of == "public.ev"
    assert child.partition_bound == "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    assert [i.name for i in parent.indexes] == ["ev_at_idx"]
    assert child.indexes == () and child.triggers == ()
    assert [t.name for t in parent.triggers] == ["t3"]


def test_triggers_functions_policies(loaded: psycopg.Connection[Any]) -> None:
    schema = inspect(loaded)
    users = schema.table("public.users")
    assert users is not None
    t1, t2 = users.triggers
    assert (t1.timing, t1.events, t1.level, t1.function) == (
        "before",
        ("insert", "update"),
        "row",
        "public.touch",
    )
    assert t1.when == "((new.name)::text <> 'x'::text)"
    assert t1.enabled == "origin" and t2.enabled == "disabled"
    assert (t2.timing, t2.level, t2.when) == ("after", "statement", None)
    assert schema.trigger_map["public.users.t1"] is t1

    funcs = schema.function_map
    assert set(funcs) == {"public.p(integer)", "public.touch()"}
    assert funcs["public.p(integer)"].kind == "procedure" and funcs["public.p(integer)"].returns is None
    touch = funcs["public.touch()"]
    assert (touch.language, touch.returns, touch.volatility) == ("plpgsql", "trigger", "volatile")
    assert touch.definition.startswith("CREATE OR REPLACE FUNCTION public.touch()")

    (policy,) = users.policies
    assert (policy.name, policy.command, policy.permissive, policy.roles) == (
        "p1",
        "select",
        True,
        ("public",),
    )
    assert policy.using == "(id > 0)"


def test_views_sequences_types(loaded: psycopg.Connection[Any]) -> None:
    schema = inspect(loaded)
    assert schema.view_map["public.v"].columns == ("id", "name")
    assert "FROM public.users" in schema.view_map["public.v"].definition
    mv = schema.view_map["public.mv"]
    assert mv.materialized and [i.name for i in mv.indexes] == ["mv_id_idx"]
    seqs = schema.sequence_map
    assert seqs["public.users_id_seq"].owned_by == "public.users.id"
    assert seqs["public.s1"].increment == 5
    assert not any("orders_id_seq" in s for s in seqs)  # identity sequences belong to the column
    assert schema.enum_map["public.mood"].labels == ("sad", "ok", "happy")
    dom = schema.domain_map["public.posint"]
    assert (dom.type, dom.nullable, dom.default) == ("integer", False, "1")
    assert dom.constraints == (("posint_check", "CHECK ((VALUE > 0))"),)
    assert schema.table("public.ul").unlogged  # type: ignore[union-attr]


def test_formatting_of_a_function_body_is_not_drift(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "CREATE FUNCTION f(a int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN a + 1; END $$;"
        "CREATE FUNCTION g(a int) RETURNS int LANGUAGE plpgsql AS $$\n"
        "begin\n   -- add one\n   return a+1;  /* done */\nend\n$$;"
        "CREATE FUNCTION h(a int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN a + 2; END $$;"
        "CREATE FUNCTION s(a text) RETURNS text LANGUAGE sql AS $$ SELECT 'A  --b' || a $$;"
        "CREATE FUNCTION s2(a text) RETURNS text LANGUAGE sql AS $$ SELECT 'a  --b' || a $$;"
    )
    funcs = inspect(conn).function_map
    assert funcs["public.f(integer)"].body_hash == funcs["public.g(integer)"].body_hash
    assert funcs["public.f(integer)"].body_hash != funcs["public.h(integer)"].body_hash
    assert funcs["public.s(text)"].body_hash != funcs["public.s2(text)"].body_hash
    assert body_hash("select 1", ["search_path=public"]) != body_hash("select 1")


def test_filters(loaded: psycopg.Connection[Any]) -> None:
    loaded.execute("CREATE SCHEMA pgwarden; CREATE TABLE pgwarden.migrations (id int)")
    only_app = inspect(loaded, schemas=["app"])
    assert [t.qualname for t in only_app.tables] == ["app.orders"]
    assert only_app.functions == ()
    ignored = inspect(loaded, ignore=["public.ev*", "public.users.email", "app.orders.orders_lower", "touch"])
    assert "public.ev" not in ignored.table_map and "public.ev_2024" not in ignored.table_map
    assert ignored.table("public.users").column("email") is None  # type: ignore[union-attr]
    assert "orders_lower" not in ignored.table("app.orders").index_map  # type: ignore[union-attr]
    assert "public.touch()" not in ignored.function_map
    assert "pgwarden" not in inspect(loaded).schemas


@pytest.mark.parametrize("extra", ["app_extra", "app.extra"])
def test_a_schema_ignored_by_name_reads_as_if_never_listed(
    loaded: psycopg.Connection[Any], extra: str
) -> None:
    """A pattern that names a schema, with or without a dot in it, drops everything in that schema:
    the result is the one of naming only the other schemas."""
    loaded.execute(
        sql.SQL(
            "CREATE SCHEMA {s}; CREATE TABLE {s}.t (id int PRIMARY KEY);"
            "CREATE FUNCTION {s}.f() RETURNS int LANGUAGE sql AS 'SELECT 1';"
            "CREATE TYPE {s}.e AS ENUM ('a'); CREATE VIEW {s}.v AS SELECT 1 AS one"
        ).format(s=sql.Identifier(extra))
    )
    every = inspect_with_privileges(loaded)
    assert {f"{extra}.t", "app.orders"} <= set(every.table_map)
    others = [name for name in every.schemas if name != extra]
    ignored = inspect_with_privileges(loaded, ignore=[extra])
    assert ignored == inspect_with_privileges(loaded, schemas=others)
    kept = (*ignored.table_map, *ignored.view_map, *ignored.function_map, *ignored.enum_map)
    assert not [name for name in kept if name.startswith(f"{extra}.")]


class CountingCursor(psycopg.Cursor[Any]):
    executed = 0

    def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
        CountingCursor.executed += 1
        return super().execute(query, params, **kw)


def _count(url: str) -> int:
    CountingCursor.executed = 0
    with psycopg.connect(url, cursor_factory=CountingCursor) as c:
        inspect(c)
    return CountingCursor.executed


def test_query_count_does_not_grow_with_tables(db_url: str) -> None:
    small = _count(db_url)
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(
            "CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
            + "".join(
                f"CREATE TABLE t{i} (id int PRIMARY KEY, a text, b int REFERENCES t{max(i - 1, 0)}(id));"
                f"CREATE INDEX ON t{i}(a); CREATE TRIGGER tr BEFORE INSERT ON t{i} FOR EACH ROW EXECUTE FUNCTION tg();"
                for i in range(120)
            )
        )
    # + search_path and jit set for inspect's own transaction (where they end with it: nothing to restore)
    assert _count(db_url) == small == len(QUERIES) + 1
    with psycopg.connect(db_url) as c:
        assert len(inspect(c).tables) == 120


def test_works_read_only_and_leaves_session_alone(loaded: psycopg.Connection[Any], db_url: str) -> None:
    with psycopg.connect(db_url) as c:
        c.execute("SET TRANSACTION READ ONLY")
        before = c.execute("SHOW search_path").fetchone()
        schema = inspect(c)
        assert c.execute("SHOW search_path").fetchone() == before
        c.rollback()
    assert schema == inspect(loaded)
    assert hash(schema) == hash(inspect(loaded))
    with psycopg.connect(db_url, autocommit=True) as c:  # its own transaction: the settings end with it
        c.execute("SET search_path TO public, pg_catalog")
        c.execute("SET jit = on")
        assert inspect(c) == schema
        assert c.execute("SELECT current_setting('search_path'), current_setting('jit')").fetchone() == (
            "public, pg_catalog",
            "on",
        )


INDEX_SHAPES = """
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Mixed Case" ("Id" int PRIMARY KEY, "select" text, v varchar(20) COLLATE "C",
    n numeric, t timestamptz, j jsonb, a int[]);
CREATE INDEX "Ix Plain" ON "Odd Schema"."Mixed Case" ("select");
CREATE UNIQUE INDEX ix_unique_multi ON "Odd Schema"."Mixed Case" (n, t);
CREATE INDEX ix_varchar ON "Odd Schema"."Mixed Case" (v);
CREATE INDEX ix_desc ON "Odd Schema"."Mixed Case" (t DESC NULLS LAST);
CREATE INDEX ix_nulls_first ON "Odd Schema"."Mixed Case" (n NULLS FIRST);
CREATE INDEX ix_collate ON "Odd Schema"."Mixed Case" ("select" COLLATE "C");
CREATE INDEX ix_opclass ON "Odd Schema"."Mixed Case" ("select" text_pattern_ops);
CREATE INDEX ix_expr ON "Odd Schema"."Mixed Case" (lower("select"), n);
CREATE INDEX ix_partial ON "Odd Schema"."Mixed Case" (n) WHERE n > 0;
CREATE INDEX ix_include ON "Odd Schema"."Mixed Case" (n) INCLUDE (t);
CREATE INDEX ix_hash ON "Odd Schema"."Mixed Case" USING hash (n);
CREATE INDEX ix_gin ON "Odd Schema"."Mixed Case" USING gin (j);
CREATE INDEX ix_gin_array ON "Odd Schema"."Mixed Case" USING gin (a);
CREATE INDEX ix_fillfactor ON "Odd Schema"."Mixed Case" (n) WITH (fillfactor = 70);
CREATE TABLE pt (id int, at date) PARTITION BY RANGE (at);
CREATE INDEX ix_partitioned ON pt (at);
CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE MATERIALIZED VIEW mv2 AS SELECT 1 AS one;
CREATE UNIQUE INDEX ix_mv ON mv2 (one);
CREATE DOMAIN short_text AS text;
CREATE TYPE tint AS ENUM ('a', 'b');
CREATE TABLE keys_zoo ("Key" varchar(9), d short_text, e tint, "user" int, "we""ird" text, c char(3),
    dropped int, x int);
ALTER TABLE keys_zoo DROP COLUMN dropped;
CREATE INDEX ix_varchar_int ON keys_zoo ("Key", "user", x);
CREATE INDEX ix_domain ON keys_zoo (d);
CREATE INDEX ix_enum ON keys_zoo (e);
CREATE INDEX ix_quote ON keys_zoo ("we""ird", c);
CREATE INDEX ix_varchar_collate ON keys_zoo ("Key" COLLATE "C", x);
CREATE INDEX ix_varchar_pattern ON keys_zoo ("Key" varchar_pattern_ops);
"""


def test_index_definitions_spelled_like_pg_get_indexdef(conn: psycopg.Connection[Any]) -> None:
    conn.execute(FIXTURE)
    conn.execute(INDEX_SHAPES)
    if conn.info.server_version >= 150000:
        conn.execute('CREATE UNIQUE INDEX ix_nnd ON "Odd Schema"."Mixed Case" (n) NULLS NOT DISTINCT')
    schema = inspect(conn)
    ours = {(t.schema, i.name): i.definition for t in (*schema.tables, *schema.views) for i in t.indexes}
    assert len(ours) >= 31
    zoo = schema.table("public.keys_zoo")
    assert zoo is not None
    assert {i.name: i.columns for i in zoo.indexes} == {
        "ix_varchar_int": ("Key", "user", "x"),
        "ix_domain": ("d",),
        "ix_enum": ("e",),
        "ix_quote": ('we"ird', "c"),
        "ix_varchar_collate": ("Key", "x"),
        "ix_varchar_pattern": ("Key",),
    }
    with conn.transaction():
        conn.execute("SELECT pg_catalog.set_config('search_path', '', true)")
        for (nsp, name), definition in ours.items():
            row = conn.execute(
                "SELECT pg_catalog.pg_get_indexdef(c.oid) FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                (nsp, name),
            ).fetchone()
            assert row is not None
            assert definition == row[0], name


DEFAULT_SHAPES = """
CREATE TYPE mood2 AS ENUM ('ok', 'sad');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE SEQUENCE "Odd Seq";
CREATE FUNCTION pick(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a';
CREATE TABLE defaults_zoo (
    id serial,
    big bigint DEFAULT nextval('"Odd Seq"'),
    at timestamptz DEFAULT now(),
    day date DEFAULT CURRENT_DATE,
    who text DEFAULT CURRENT_USER,
    label varchar(20) DEFAULT 'x'::character varying,
    c text COLLATE "C" DEFAULT ('a' COLLATE "C"),
    m mood2 DEFAULT 'ok',
    p posint DEFAULT 1,
    arr int[] DEFAULT ARRAY[1, 2],
    j jsonb DEFAULT '{"a": [1]}'::jsonb,
    n numeric(12,2) DEFAULT (1.5 * 2),
    f int DEFAULT pick(3),
    r int DEFAULT (random() * 10)::int,
    g int GENERATED ALWAYS AS (f + 1) STORED,
    u uuid DEFAULT md5('x')::uuid
);
"""


def test_column_defaults_read_like_pg_get_expr_with_their_relation(conn: psycopg.Connection[Any]) -> None:
    # columns.sql deparses defaults without their relation (cheaper); the text must not change.
    conn.execute(DEFAULT_SHAPES)
    table = inspect(conn).table("public.defaults_zoo")
    assert table is not None
    with conn.transaction():
        conn.execute("SELECT pg_catalog.set_config('search_path', '', true)")
        rows = conn.execute(
            "SELECT a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '' "
            "FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'public.defaults_zoo'::regclass"
        ).fetchall()
    assert len(rows) == 16
    for name, expected, generated in rows:
        column = table.column(name)
        assert column is not None
        assert (column.generated if generated else column.default) == expected, name


def test_privileges_read_with_the_other_queries_equal_a_separate_reading(
    loaded: psycopg.Connection[Any],
) -> None:
    loaded.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_cat_reader') THEN"
        " CREATE ROLE pgw_cat_reader; END IF; END $$;"
        "GRANT USAGE ON SCHEMA app TO pgw_cat_reader; GRANT SELECT ON public.users TO pgw_cat_reader;"
        "GRANT UPDATE (name) ON public.users TO pgw_cat_reader;"
        "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO pgw_cat_reader;"
        "REVOKE EXECUTE ON FUNCTION public.touch() FROM PUBLIC"
    )
    for ignore in ((), ("public.users",)):
        together = inspect_with_privileges(loaded, ignore=ignore)
        apart = with_privileges(loaded, inspect(loaded, ignore=ignore), ignore=ignore)
        assert together.privileges_read and apart.privileges_read
        assert (together.grants, together.owners, together.default_privileges) == (
            apart.grants,
            apart.owners,
            apart.default_privileges,
        )
        assert together == apart
    assert "public.users" not in {g.object for g in apart.grants}  # ignored
    assert {g.object for g in inspect_with_privileges(loaded).grants if g.grantee == "pgw_cat_reader"} == {
        "app",
        "public.users",
        "public.users.name",
    }
