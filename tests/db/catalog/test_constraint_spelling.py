"""Constraints the reader spells itself (catalog/_spell.py) read exactly as pg_get_constraintdef prints them."""

from __future__ import annotations

from typing import Any

import psycopg

from pgwarden.catalog import inspect

SHAPES = """
CREATE SCHEMA "Odd Schema";
CREATE SCHEMA other;
CREATE TABLE "Odd Schema"."Mixed Case" ("Id" int, "select" text, n int, PRIMARY KEY ("Id", "select"),
    UNIQUE (n));
CREATE TABLE other.far (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE parent (id int PRIMARY KEY, a int, b int, UNIQUE (a, b), c int UNIQUE DEFERRABLE,
    d int UNIQUE DEFERRABLE INITIALLY DEFERRED, e int, f int, UNIQUE (e) INCLUDE (f),
    CHECK (a > 0), CHECK (b > 0) NOT VALID, EXCLUDE USING btree (f WITH =));
CREATE TABLE child (
    id int PRIMARY KEY,
    p1 int REFERENCES parent,
    p2 int REFERENCES parent (id) ON DELETE CASCADE,
    p3 int REFERENCES parent (id) ON DELETE SET NULL ON UPDATE CASCADE,
    p4 int DEFAULT 0 REFERENCES parent (id) ON DELETE SET DEFAULT ON UPDATE RESTRICT,
    p5 int REFERENCES parent (id) ON DELETE RESTRICT ON UPDATE SET NULL,
    a int, b int,
    FOREIGN KEY (a, b) REFERENCES parent (a, b) MATCH FULL,
    FOREIGN KEY (b, a) REFERENCES parent (a, b) ON UPDATE SET DEFAULT,
    "We""ird" int REFERENCES "Odd Schema"."Mixed Case" (n) DEFERRABLE INITIALLY DEFERRED,
    far_id int REFERENCES other.far,
    far_code text REFERENCES other.far (code) DEFERRABLE,
    up int REFERENCES child (id)
);
ALTER TABLE child ADD CONSTRAINT late FOREIGN KEY (a) REFERENCES parent (id) NOT VALID;
CREATE TABLE pt (id int, at date, PRIMARY KEY (id, at), UNIQUE (at, id)) PARTITION BY RANGE (at);
CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE pt_ref (id int, at date, FOREIGN KEY (id, at) REFERENCES pt);
"""

PG15 = """
CREATE TABLE nnd (a int UNIQUE NULLS NOT DISTINCT, b int);
CREATE TABLE setcols (id int, t int, pa int, pt int, PRIMARY KEY (id, t),
    FOREIGN KEY (pa, t) REFERENCES parent (a, b) ON DELETE SET NULL (pa));
"""


def _server_spelling(
    conn: psycopg.Connection[Any], schema: str, table: str, name: str
) -> tuple[str, list[str]]:
    row = conn.execute(
        "SELECT pg_catalog.pg_get_constraintdef(con.oid), ARRAY(SELECT a.attname FROM unnest(con.conkey)"
        " WITH ORDINALITY k(n, o) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n"
        " ORDER BY k.o) FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND con.conname = %s",
        (schema, table, name),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_constraints_read_like_pg_get_constraintdef(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SHAPES)
    if conn.info.server_version >= 150000:
        conn.execute(PG15)
    for schemas in ((), ("public", "Odd Schema")):  # a foreign key into a schema not read
        schema = inspect(conn, schemas=schemas)
        ours = {(t.schema, t.name, c.name): c for t in schema.tables for c in t.constraints}
        assert len(ours) >= (31 if not schemas else 29)
        kinds = {c.kind for c in ours.values()}
        assert kinds == {"primary_key", "unique", "foreign_key", "check", "exclusion"}
        with conn.transaction():
            conn.execute("SELECT pg_catalog.set_config('search_path', '', true)")
            for (nsp, table, name), constraint in ours.items():
                definition, columns = _server_spelling(conn, nsp, table, name)
                assert constraint.definition == definition, name
                assert constraint.columns == tuple(columns), name
    child = inspect(conn).table("public.child")
    assert child is not None
    assert {c.name: c.references for c in child.constraints if c.kind == "foreign_key"}[
        "child_far_id_fkey"
    ] == ("other.far")
