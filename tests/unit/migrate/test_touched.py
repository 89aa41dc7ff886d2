"""What a migration's statements change, in words (pure, no database)."""

from __future__ import annotations

from pgwarden.migrate.touched import touched


def test_tables_columns_indexes_and_renames_are_named() -> None:
    assert touched(
        [
            "CREATE TABLE users (id int, name text)",
            "ALTER TABLE users ADD COLUMN language text, ALTER COLUMN name TYPE varchar(40), DROP COLUMN old",
            "ALTER TABLE app.conversations RENAME COLUMN started_at TO created_at",
            "CREATE INDEX ix_users_name ON users (name)",
            "ALTER TABLE users ADD CONSTRAINT users_fk FOREIGN KEY (id) REFERENCES accounts (id)",
            "DROP TABLE legacy, app.old_things",
        ]
    ) == [
        "create table users",
        "add column users.language",
        "change type of users.name",
        "drop column users.old",
        "rename column app.conversations.started_at to created_at",
        "create index ix_users_name on users",
        "add constraint users_fk on users",
        "drop table legacy",
        "drop table app.old_things",
    ]


def test_do_blocks_are_read_and_alembic_version_and_repeats_left_out() -> None:
    assert touched(
        [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN ALTER TABLE users ADD COLUMN x int; END IF; "
            "EXECUTE 'DROP TABLE ' || 'q'; END $$",
            "UPDATE alembic_version SET version_num='abc' WHERE version_num = 'def'",
            "UPDATE users SET x = %(x_1)s",
            "UPDATE users SET x = 2",
            "SET lock_timeout = '5s'",
        ]
    ) == ["add column users.x", "EXECUTE of a built statement in a DO block (not read)", "update users"]


def test_text_that_does_not_parse_is_said_not_dropped() -> None:
    assert touched(["CREAT TABLE x"]) == ["a statement pgwarden cannot parse"]
