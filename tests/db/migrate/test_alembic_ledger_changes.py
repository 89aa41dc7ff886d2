"""The Alembic ledger keeps the statements a revision ran and puts them into words when read; rows
of older versions (words already) read the same."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from pgwarden.migrate import alembic_ledger

WHO: dict[str, Any] = {"user": "test"}
STATEMENTS = [
    "CREATE TABLE users (id BIGSERIAL NOT NULL, PRIMARY KEY (id))",
    "ALTER TABLE users RENAME COLUMN id TO user_id",
    "UPDATE alembic_version SET version_num=%(version_num)s WHERE alembic_version.version_num = %(v)s",
]
WORDS = ["create table users", "rename column users.id to user_id"]


def _record(conn: psycopg.Connection[Any], revision: str, **what: Any) -> None:
    alembic_ledger.record(
        conn, revision=revision, file=f"{revision}.py", checksum="c", duration_ms=1, applied_by=WHO, **what
    )


def test_statements_are_kept_and_read_as_words(conn: psycopg.Connection[Any]) -> None:
    alembic_ledger.ensure(conn)
    _record(conn, "a1", statements=STATEMENTS)
    stored = conn.execute("SELECT changes FROM pgwarden.alembic_revisions WHERE revision = 'a1'").fetchone()
    assert stored is not None and stored[0] == {"statements": STATEMENTS}
    assert alembic_ledger.read(conn)["a1"].changes == WORDS


def test_rows_in_words_read_as_before(conn: psycopg.Connection[Any]) -> None:
    alembic_ledger.ensure(conn)
    _record(conn, "old", changes=WORDS)  # what older pgwarden versions wrote
    _record(conn, "stamped", changes=[], how="stamped")
    found = alembic_ledger.read(conn)
    assert found["old"].changes == WORDS and found["stamped"].changes == []


def test_a_revision_that_ran_a_lot_of_sql_is_kept_in_words(conn: psycopg.Connection[Any]) -> None:
    alembic_ledger.ensure(conn)
    rows = ", ".join(f"({i}, 'x')" for i in range(alembic_ledger.STATEMENTS_KEPT // 10))
    big = [*STATEMENTS[:1], f"INSERT INTO users (user_id, name) VALUES {rows}"]
    assert sum(map(len, big)) > alembic_ledger.STATEMENTS_KEPT
    _record(conn, "big", statements=big)
    stored = conn.execute("SELECT changes FROM pgwarden.alembic_revisions WHERE revision = 'big'").fetchone()
    assert stored is not None and stored[0] == ["create table users", "insert into users"]
    assert len(json.dumps(stored[0])) < 100
