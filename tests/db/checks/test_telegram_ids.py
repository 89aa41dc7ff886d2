"""PW115: live integer columns holding Telegram ids, found by name, key and foreign key, and fixed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.catalog import inspect, serialize
from pgwarden.checks.telegram_ids import TelegramIds, findings, options
from pgwarden.cli import main
from pgwarden.errors import ConfigError

LIVE = """
CREATE TABLE accounts (id serial PRIMARY KEY, user_id bigint);
CREATE TABLE subscriptions (id bigint PRIMARY KEY, user_id integer, price integer, order_index smallint);
CREATE TABLE chats (id integer PRIMARY KEY, title text);
CREATE TABLE messages (id bigserial PRIMARY KEY, chat integer REFERENCES chats (id), position integer);
CREATE TABLE orders (id serial PRIMARY KEY, user_id integer REFERENCES accounts (id), buyer integer);
CREATE TABLE bot_chats (chat_id serial PRIMARY KEY);
CREATE TABLE legacy (user_id smallint);
"""


def test_telegram_id_columns_are_found_by_name_key_and_foreign_key(conn: psycopg.Connection) -> None:
    conn.execute(LIVE)
    live = inspect(conn)
    settings = TelegramIds(columns=("public.orders.buyer",), exclude=("public.legacy.*",))
    found = {f.object: f for f in findings(live, settings)}
    assert set(found) == {
        "public.subscriptions.user_id",  # by name
        "public.chats.id",  # key of a chats table no sequence numbers
        "public.messages.chat",  # references chats.id
        "public.orders.buyer",  # configured
        "public.bot_chats.chat_id",  # by name, a serial: its sequence widens too
    }
    # Not: accounts.id and orders.user_id (a local, sequence-numbered user), price, positions, legacy.
    assert (
        found["public.messages.chat"].evidence["reason"]
        == "it references public.chats.id, which holds Telegram ids"
    )
    assert 'ALTER SEQUENCE "public"."bot_chats_chat_id_seq" AS bigint;' in (
        found["public.bot_chats.chat_id"].fix_sql or ""
    )
    assert findings(live, TelegramIds(enabled=False)) == []
    assert findings(live, settings, skip=["public.chats.id"]).__len__() == 4

    for finding in found.values():  # each fix runs, in one transaction, and leaves nothing to say
        assert finding.fix_sql is not None and finding.fix_sql.count("BEGIN;") == 1
        assert "SET LOCAL statement_timeout" in finding.fix_sql
        conn.execute(finding.fix_sql)
    assert findings(inspect(conn), settings) == []
    conn.execute("INSERT INTO chats VALUES (-1001234567890, 'a supergroup')")  # fits now


def test_check_reports_them_and_the_config_section_is_validated(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    conn.execute("CREATE TABLE subscriptions (id bigint PRIMARY KEY, user_id integer)")
    serialize.write(inspect(conn), tmp_path / "schema.json")
    (tmp_path / "pgwarden.toml").write_text('snapshot = "schema.json"\n')
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--config", str(tmp_path / "pgwarden.toml"), "check", "--db", db_url, "--format", "json"], out, err
    )
    assert code == 1, err.getvalue()
    (finding,) = json.loads(out.getvalue())["findings"]
    assert (
        finding["code"] == "PW115" and "ACCESS EXCLUSIVE" in finding["hint"] and "low-lock" in finding["hint"]
    )

    (tmp_path / "pgwarden.toml").write_text(
        'snapshot = "schema.json"\n[telegram_ids]\nexclude = ["*.user_id"]\n'
    )
    assert main(["--config", str(tmp_path / "pgwarden.toml"), "check", "--db", db_url], out, err) == 0


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"telegram_ids": "yes"}, "must be a table"),
        ({"telegram_ids": {"colums": []}}, "unknown key telegram_ids.colums"),
        ({"telegram_ids": {"columns": "a.b"}}, "must be a list"),
        ({"telegram_ids": {"enabled": "no"}}, "true or false"),
    ],
)
def test_bad_telegram_ids_settings_are_one_sentence(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        options(section, "pgwarden.toml")
