"""Switched-off enforcement on a real server: DISABLE TRIGGER ALL, a disabled trigger, NOT VALID, replica."""

from __future__ import annotations

import json
import time
from typing import Any

import psycopg
from psycopg import sql

from pgwarden.checks import enforcement

SCHEMA = """
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
CREATE TABLE audit (id bigint);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
"""


def _found(conn: psycopg.Connection[Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in enforcement.findings(enforcement.read(conn)):
        out.setdefault(f.code, []).append(json.loads(json.dumps(f.to_dict(), default=str)))
    return out


def test_a_clean_database_has_nothing_switched_off(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SCHEMA)
    assert _found(conn) == {}


def test_disable_trigger_all_is_found_and_the_fix_enables_only_the_key(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SCHEMA)
    conn.execute("ALTER TABLE orders DISABLE TRIGGER ALL")
    conn.execute("ALTER TABLE users DISABLE TRIGGER ALL")
    conn.execute("INSERT INTO orders VALUES (1, 42)")  # an orphan nobody checked
    found = _found(conn)
    (fk,) = found["PW145"]
    assert fk["object"] == "public.orders.orders_user_id_fkey" and fk["severity"] == "error"
    assert len(fk["evidence"]["triggers"]) == 4  # two on orders, two on users
    (user_trigger,) = found["PW143"]
    assert user_trigger["object"] == "public.orders.orders_touch" and user_trigger["severity"] == "warning"
    conn.execute(fk["fix_sql"])
    after = _found(conn)
    assert "PW145" not in after and "PW143" in after  # the user trigger stays as it was
    conn.execute("DELETE FROM orders")
    try:
        conn.execute("INSERT INTO orders VALUES (2, 43)")
    except psycopg.errors.ForeignKeyViolation:
        pass
    else:
        raise AssertionError("the foreign key still checks nothing after the fix")


def test_not_valid_foreign_key_and_its_validation(conn: psycopg.Connection[Any]) -> None:
    conn.execute("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int)")
    conn.execute("ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id) NOT VALID")
    (f,) = _found(conn)["PW134"]
    assert f["fix_sql"] == 'ALTER TABLE "public"."b" VALIDATE CONSTRAINT "b_a_fk";'
    conn.execute(f["fix_sql"])
    assert _found(conn) == {}


def test_replica_for_a_role_and_for_the_database(conn: psycopg.Connection[Any]) -> None:
    db = conn.info.dbname
    role = f"pgw_bot_{db[-8:]}"
    conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    try:
        conn.execute(
            sql.SQL("ALTER ROLE {} SET session_replication_role = replica").format(sql.Identifier(role))
        )
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET session_replication_role = replica").format(sql.Identifier(db))
        )
        found = {f["object"]: f for f in _found(conn)["PW306"]}
        assert set(found) == {f"role {role}", f"database {db}"}
        for f in found.values():
            conn.execute(f["fix_sql"])
        assert "PW306" not in _found(conn)
        declared = enforcement.findings(
            enforcement.read(conn), declared_settings=["session_replication_role"]
        )
        assert declared == []
    finally:
        conn.execute(sql.SQL("ALTER DATABASE {} RESET ALL").format(sql.Identifier(db)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _wait_for_new_sessions_to_see(conn: psycopg.Connection[Any], value: str) -> None:
    """pg_reload_conf() only signals the postmaster: wait until a new session has the value."""
    for _ in range(200):
        with psycopg.connect(conn.info.dsn, autocommit=True) as fresh:
            if fresh.execute("SHOW session_replication_role").fetchone() == (value,):
                return
        time.sleep(0.05)
    raise AssertionError(f"new sessions never saw session_replication_role = {value}")


def test_server_wide_replica_through_alter_system(conn: psycopg.Connection[Any]) -> None:
    conn.execute("ALTER SYSTEM SET session_replication_role = replica")
    conn.execute("SELECT pg_reload_conf()")
    try:
        _wait_for_new_sessions_to_see(conn, "replica")
        with psycopg.connect(conn.info.dsn, autocommit=True) as fresh:
            (f,) = _found(fresh)["PW306"]
        assert f["object"] == "server" and "postgresql.auto.conf" in f["message"]
        for statement in f["fix_sql"].split(";\n"):
            conn.execute(statement.rstrip(";"))
    finally:
        conn.execute("ALTER SYSTEM RESET session_replication_role")
        conn.execute("SELECT pg_reload_conf()")
        _wait_for_new_sessions_to_see(conn, "origin")  # later tests share this server
