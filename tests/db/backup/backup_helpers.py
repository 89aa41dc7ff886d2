"""What the backup database tests share: a schema with real data, per-table checksums, running the CLI."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from pgwarden.cli import COMMANDS, main

# The lead registers the group in cli/__init__.py; until then the tests add it.
COMMANDS.setdefault("backup", "pgwarden.cli.backup:backup")

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    mood mood,
    meta jsonb,
    avatar bytea,
    born timestamptz,
    tags text[]
);
CREATE TABLE bookings (
    id serial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    active boolean NOT NULL,
    amount numeric(10, 2)
);
CREATE INDEX bookings_user ON bookings (user_id);
CREATE TABLE chat_rooms (booking_id int PRIMARY KEY REFERENCES bookings (id));
CREATE FUNCTION make_room() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO chat_rooms VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER bookings_room AFTER INSERT ON bookings FOR EACH ROW WHEN (NEW.active) EXECUTE FUNCTION make_room();
CREATE SCHEMA audit;
CREATE TABLE audit.log (at timestamptz NOT NULL DEFAULT now(), line text);
CREATE VIEW active_bookings AS SELECT * FROM bookings WHERE active;
"""

DATA = """
INSERT INTO users (name, mood, meta, avatar, born, tags)
SELECT CASE WHEN g % 7 = 0 THEN 'ユーザー ' || g ELSE 'user' || E'\\n' || g END,
       (ARRAY['sad', 'ok', 'happy', NULL])[1 + g % 4]::mood,
       CASE WHEN g % 5 = 0 THEN NULL ELSE jsonb_build_object('n', g, 'tags', jsonb_build_array(g, 'x')) END,
       decode(md5(g::text), 'hex'),
       timestamptz '2024-01-01 00:00+00' + g * interval '37 minutes',
       ARRAY[g::text, 'tag with ''quote''']
FROM generate_series(1, %(rows)s) AS g;
INSERT INTO bookings (user_id, active, amount)
SELECT 1 + g %% %(rows)s, g %% 3 <> 0, (g * 1.25)::numeric(10, 2) FROM generate_series(1, %(rows)s * 2) AS g;
INSERT INTO audit.log (at, line) SELECT now(), 'line ' || g FROM generate_series(1, 50) AS g;
"""


def seed(url: str, rows: int = 300) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute(DATA.replace("%(rows)s", str(rows)).replace("%%", "%"))


def checksums(url: str) -> dict[str, tuple[int, str]]:
    """(rows, md5 of every row in order) of every user table, and the sequences' positions."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        for schema, name in tables:
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} AS t"
                ).format(sql.Identifier(schema, name))
            ).fetchone()
            assert row is not None
            out[f"{schema}.{name}"] = (int(row[0]), str(row[1]))
        for schema, name, last in conn.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"
        ).fetchall():
            out[f"sequence {schema}.{name}"] = (int(last or 0), "")
    return out


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["backup", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def server_url(url: str) -> str:
    """The same server, database ``postgres``: where databases are created and dropped."""
    parts = urlsplit(url)
    return parts._replace(path="/postgres").geturl()


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def drop_and_recreate(url: str) -> None:
    """Lose every table, as in incident 003: the database comes back empty."""
    name = dbname(url)
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
