"""The one-table case of issue 23: models, one migration, and a live database changed by hand."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg

from pgwarden.cli import main

MODELS = """
from sqlalchemy import BigInteger, Column, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(BigInteger, primary_key=True{autoincrement})
    name = Column(Text)
    payload = Column(Text)
"""

MIGRATION = (
    "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, payload jsonb);\n"
    "CREATE INDEX ix_users_name ON users (name);\n"
)


def project(tmp: Path, autoincrement: str = "") -> Path:
    (tmp / "one_table_models.py").write_text(MODELS.replace("{autoincrement}", autoincrement))
    (tmp / "migrations").mkdir(exist_ok=True)
    (tmp / "migrations" / "001_init.sql").write_text(MIGRATION)
    (tmp / "pgwarden.toml").write_text('models = "one_table_models:Base"\nmigrations = "migrations"\n')
    return tmp


def check(root: Path, db_url: str) -> tuple[int, list[dict[str, object]]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--config", str(root / "pgwarden.toml"), "check", "--db", db_url, "--format", "json"], out, err
    )
    assert code in (0, 1), err.getvalue()
    return code, json.loads(out.getvalue())["findings"]


def test_a_telegram_id_key_without_a_sequence_is_info_with_the_model_change_never_a_sequence(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    conn.execute(MIGRATION)
    conn.execute("DROP INDEX ix_users_name; ALTER TABLE users ADD COLUMN lang text NOT NULL DEFAULT 'en'")
    _, found = check(project(tmp_path), db_url)
    about_id = [
        f
        for f in found
        if str(f["object"]).startswith("public.users.id") or "users_id_seq" in str(f["object"])
    ]
    assert len(about_id) == 1, about_id
    (key,) = about_id
    assert key["severity"] == "info" and key["fix_sql"] is None
    assert "id = Column(BigInteger, primary_key=True, autoincrement=False)" in str(key["hint"])
    assert not any("CREATE SEQUENCE" in str(f["fix_sql"] or "") for f in found)
    for f in found:
        print(f["code"], f["severity"], f["object"], f["message"], "|", f["fix_sql"])


def test_an_explicit_autoincrement_is_still_reported(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    conn.execute(MIGRATION)
    _, found = check(project(tmp_path, ", autoincrement=True"), db_url)
    assert any(f["code"] == "PW108" and f["severity"] != "info" for f in found)


def test_the_dropped_index_is_one_finding_with_the_three_states_and_one_fix(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    conn.execute(MIGRATION)
    conn.execute("DROP INDEX ix_users_name; ALTER TABLE users ADD COLUMN lang text NOT NULL DEFAULT 'en'")
    _, found = check(project(tmp_path), db_url)
    index = [f for f in found if f["object"] == "public.users.ix_users_name"]
    assert len(index) == 1, index  # was PW121 CREATE INDEX beside PW122 DROP INDEX
    (one,) = index
    evidence = one["evidence"]
    assert isinstance(evidence, dict)
    assert evidence["states"] == {"models": "absent", "migrations": "present", "live": "absent"}
    assert "CREATE INDEX" in str(one["fix_sql"]) and "DROP INDEX" not in str(one["fix_sql"])
    # payload: jsonb in the migrations and live, text in the models: the model lags, no live SQL.
    (payload,) = [f for f in found if f["object"] == "public.users.payload"]
    assert payload["fix_sql"] is None
    assert payload["evidence"]["states"] == {"models": "text", "migrations": "jsonb", "live": "jsonb"}  # type: ignore[index]
