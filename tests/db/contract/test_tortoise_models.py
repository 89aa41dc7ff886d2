"""Tortoise ORM models read in the project's own interpreter, on a project shaped like an aiogram bot.

The live database is built by the bot's own ``Tortoise.generate_schemas()`` over asyncpg,
as such bots do at start-up; pgwarden's side comes from the exporter in the same virtualenv.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
from pathlib import Path

import psycopg
import pytest
from orm_venvs import TORTOISE, orm_venv
from psycopg.conninfo import conninfo_to_dict

from pgwarden.cli import main
from pgwarden.contract.export import export_models
from pgwarden.contract.interpreter import Interpreter

EXPORTER_DIR = Path(export_models.__code__.co_filename).parent

SETTINGS = """
import os

print("settings loaded")  # a bot's settings module often prints: never on pgwarden's output
DB_URL = os.environ.get("DB_URL", "postgres://bot:s3cret@db:5432/bot")
TORTOISE_ORM = {
    "connections": {"default": DB_URL},
    "apps": {
        "models": {"models": ["bot.db.models", "aerich.models"], "default_connection": "default"},
    },
}
"""

USER = """
from pathlib import Path

from tortoise import fields
from tortoise.models import Model

print("models imported")
with open(Path(__file__).with_name("imports.log"), "a") as log:
    log.write("imported\\n")


class TimestampMixin:
    created_at = fields.DatetimeField(auto_now_add=True)


class User(TimestampMixin, Model):
    id = fields.BigIntField(pk=True, generated=False)  # a Telegram id
    username = fields.CharField(max_length=32, null=True, index=True)
    language = fields.CharField(max_length=8, default="en")
    is_banned = fields.BooleanField(default=False)
    {extra}

    class Meta:
        table = "users"
"""

CHAT = """
from tortoise import fields
from tortoise.models import Model


class Chat(Model):
    id = fields.BigIntField(pk=True, generated=False)
    title = fields.CharField(max_length=255)
    owner = fields.ForeignKeyField("models.User", related_name="chats", on_delete=fields.CASCADE)
    settings = fields.JSONField(default=dict)

    class Meta:
        table = "chats"
        unique_together = (("owner", "title"),)


class Payment(Model):
    id = fields.IntField(pk=True)
    user = fields.ForeignKeyField("models.User", related_name="payments", null=True, on_delete=fields.SET_NULL)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    status = fields.CharField(max_length=16, default="new")

    class Meta:
        table = "payments"
        indexes = (("user", "status"),)
"""


def bot(tmp: Path, python: Path, *, spec: str = "bot.config:TORTOISE_ORM", extra: str = "") -> Path:
    """An aiogram-style layout: bot/config.py holds TORTOISE_ORM, bot/db/models/ is a package."""
    models = tmp / "bot" / "db" / "models"
    models.mkdir(parents=True, exist_ok=True)
    (tmp / "bot" / "__init__.py").write_text("")
    (tmp / "bot" / "db" / "__init__.py").write_text("")
    (tmp / "bot" / "config.py").write_text(SETTINGS)
    (models / "__init__.py").write_text(
        "from .chat import Chat, Payment\nfrom .user import User\n\n__all__ = ['Chat', 'Payment', 'User']\n"
    )
    (models / "user.py").write_text(USER.replace("{extra}", extra))
    (models / "chat.py").write_text(CHAT)
    (tmp / "pgwarden.toml").write_text(f'models = "{spec}"\npython = "{python}"\n')
    return tmp


def generate_schemas(python: Path, root: Path, db_url: str) -> None:
    """What the bot runs at start-up: Tortoise.init + generate_schemas against the live database."""
    info = conninfo_to_dict(db_url)
    credentials = {k: info[k] for k in ("host", "port", "user", "dbname") if k in info}
    credentials["password"] = info.get("password", "")
    credentials["database"] = credentials.pop("dbname")
    config = {
        "connections": {"default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}},
        "apps": {"models": {"models": ["bot.db.models"], "default_connection": "default"}},
    }
    script = (
        "import asyncio, json, sys\n"
        "from tortoise import Tortoise\n"
        "async def go():\n"
        "    await Tortoise.init(config=json.loads(sys.argv[1]))\n"
        "    await Tortoise.generate_schemas()\n"
        "    await Tortoise.close_connections()\n"
        "asyncio.run(go())\n"
    )
    done = subprocess.run(
        [str(python), "-c", script, json.dumps(config)], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]


def check(root: Path, db_url: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)


@pytest.mark.parametrize("requirement", TORTOISE)
def test_a_tortoise_bot_is_clean_against_its_own_generate_schemas_and_drift_is_found(
    requirement: str, tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    python = orm_venv(requirement)
    root = bot(tmp_path, python)
    generate_schemas(python, root, db_url)
    code, out, err = check(root, db_url)
    assert "settings loaded" not in out + err and "models imported" not in out + err
    assert code == 0, out + err

    out, err = io.StringIO(), io.StringIO()
    args = ["--config", str(root / "pgwarden.toml"), "diff", "--from", db_url, "--to", "models:bot.db.models"]
    assert main(args, out=out, err=err) == 0, (
        out.getvalue() + err.getvalue()
    )  # `diff` reads them the same way

    conn.execute("DROP INDEX " + _index_on(conn, "users", "username"))
    conn.execute("ALTER TABLE chats DROP CONSTRAINT " + _unique_on(conn, "chats"))
    conn.execute("ALTER TABLE payments ALTER COLUMN status TYPE varchar(8)")
    code, out, err = check(root, db_url)
    assert code == 1, out + err
    text = " ".join(out.split())
    assert "users" in text and "username" in text
    assert "chats" in text and "payments" in text and "character varying(8)" in text


def _index_on(conn: psycopg.Connection, table: str, column: str) -> str:
    row = conn.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s", (table, f"%({column})%")
    ).fetchone()
    assert row is not None
    return f'"{row[0]}"'


def _unique_on(conn: psycopg.Connection, table: str) -> str:
    row = conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'", (table,)
    ).fetchone()
    assert row is not None
    return f'"{row[0]}"'


def test_the_models_module_itself_works_and_the_export_is_cached(tmp_path: Path) -> None:
    python = orm_venv(TORTOISE[-1])
    root = bot(tmp_path, python)
    interpreter = Interpreter(python, "test")
    first = export_models("bot.db.models", root, interpreter)
    assert first.orm == "Tortoise ORM 1.1.9"
    assert [what for what, _ in first.ddl if what.startswith("table")] == [
        "table public.users",
        "table public.chats",
        "table public.payments",
    ]
    assert export_models("bot.db.models", root, interpreter) == first
    log = root / "bot" / "db" / "models" / "imports.log"
    assert log.read_text().count("imported") == 1  # the second answer came from the cache
    bot(tmp_path, python, extra="referrer_id = fields.BigIntField(null=True)")
    changed = export_models("bot.db.models", root, interpreter)
    assert log.read_text().count("imported") == 2
    assert any('"referrer_id" BIGINT' in statement for _, statement in changed.ddl)
    by_config = export_models("bot.config:TORTOISE_ORM", root, interpreter, use_cache=False)
    assert by_config.ddl == changed.ddl  # aerich.models is listed but not installed: left out
    keys = {c["table"] + "." + c["column"]: c for c in changed.columns}
    assert (
        keys["public.chats.owner_id"]["class"] == "Chat"
        and keys["public.chats.owner_id"]["attribute"] == "owner_id"
    )
    assert keys["public.payments.id"]["serial"] and not keys["public.users.id"]["serial"]


@pytest.mark.parametrize(
    ("requirement", "keyword"), list(zip(TORTOISE, ("pk", "primary_key", "primary_key"), strict=True))
)
def test_the_exporter_reads_keys_in_either_spelling_and_says_which_one_this_tortoise_takes(
    tmp_path: Path, requirement: str, keyword: str
) -> None:
    python = orm_venv(requirement)
    root = bot(tmp_path, python)
    chat = root / "bot" / "db" / "models" / "chat.py"
    chat.write_text(
        chat.read_text().replace("pk=True", f"{keyword}=True")
    )  # the spelling its version documents
    exported = export_models("bot.db.models", root, Interpreter(python, "test"), use_cache=False)
    keys = {c["table"] + "." + c["column"]: c for c in exported.columns}
    assert keys["public.users.id"]["pk_keyword"] == keyword  # written pk=True in every version
    assert keys["public.chats.id"]["pk_keyword"] == keyword and keys["public.payments.id"]["serial"]
    assert keys["public.users.username"]["pk_keyword"] is None
    chats = next(sql for what, sql in exported.ddl if what == "table public.chats")
    assert '"id" BIGINT NOT NULL PRIMARY KEY' in " ".join(chats.split()), chats


def fails(root: Path, db_url: str) -> str:
    code, out, err = check(root, db_url)
    text = out + err
    assert code == 2, text
    assert "Traceback" not in text
    return " ".join(text.split())


def test_tortoise_bad_input_is_one_sentence_exit_2(tmp_path: Path, db_url: str) -> None:
    python = orm_venv(TORTOISE[-1])
    root = bot(tmp_path, python)
    (root / "bot" / "db" / "models" / "chat.py").write_text(
        CHAT.replace('"models.User", related_name="payments"', '"models.Customer", related_name="payments"')
    )
    text = fails(root, db_url)
    assert str(python) in text and "Tortoise ORM 1.1.9 could not build the schema" in text
    assert "Customer" in text and "s3cret" not in text

    bot(tmp_path, python)
    (root / "bot" / "db" / "models" / "user.py").write_text("import aiogram\n" + USER)
    text = fails(root, db_url)
    assert "aiogram" in text and "bot.db.models" in text


def test_a_tortoise_config_where_tortoise_is_missing_names_the_interpreter(
    tmp_path: Path, db_url: str
) -> None:
    python = orm_venv(TORTOISE[-1])
    root = bot(tmp_path, python)
    (root / "tortoise").mkdir()  # shadows the installed package: what an environment without it imports
    (root / "tortoise" / "__init__.py").write_text("raise ImportError('no tortoise here')\n")
    text = fails(root, db_url)
    assert "tortoise-orm is not installed" in text and str(python) in text


def test_without_a_project_interpreter_pgwardens_own_runs_the_exporter(tmp_path: Path, db_url: str) -> None:
    root = bot(tmp_path, orm_venv(TORTOISE[-1]))
    (root / "pgwarden.toml").write_text('models = "bot.config:TORTOISE_ORM"\n')  # no `python`, no .venv
    text = fails(root, db_url)
    assert "tortoise-orm is not installed there" in text and "pgwarden's own interpreter" in text


def test_statements_split_outside_quotes_only() -> None:
    spec = importlib.util.spec_from_file_location(
        "_export_tortoise_under_test", EXPORTER_DIR / "_export_tortoise.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    script = 'CREATE TABLE "a;b" (\n "x" INT\n);\nCOMMENT ON COLUMN "a;b"."x" IS \'it\'\'s; fine\';\n'
    assert module._split(script) == [
        'CREATE TABLE "a;b" (\n "x" INT\n);',
        "COMMENT ON COLUMN \"a;b\".\"x\" IS 'it''s; fine';",
    ]
    assert module._what('CREATE TABLE IF NOT EXISTS "app"."users" (') == "table app.users"
    assert module._what("COMMENT ON TABLE \"users\" IS 'x';").startswith("DDL `COMMENT ON TABLE")


@pytest.mark.parametrize(
    ("requirement", "keyword"),
    [(TORTOISE[0], "pk"), (TORTOISE[-1], "primary_key")],  # 0.17 takes primary_key=True silently, as no key
)
def test_hints_on_a_tortoise_bot_are_worded_in_tortoise(
    tmp_path: Path, db_url: str, conn: psycopg.Connection, requirement: str, keyword: str
) -> None:
    python = orm_venv(requirement)
    root = bot(tmp_path, python)
    generate_schemas(python, root, db_url)
    conn.execute("ALTER TABLE users RENAME COLUMN username TO user_name")
    conn.execute("ALTER TABLE payments ALTER COLUMN id DROP DEFAULT")
    conn.execute("DROP SEQUENCE payments_id_seq")
    out, err = io.StringIO(), io.StringIO()
    args = ["--config", str(root / "pgwarden.toml"), "check", "--db", db_url, "--format", "json"]
    assert main(args, out=out, err=err) == 1, out.getvalue() + err.getvalue()
    found = {f["object"]: f for f in json.loads(out.getvalue())["findings"]}
    rename = next(f for f in found.values() if f["kind"] == "probable_rename")
    assert 'username = fields.CharField(source_field="user_name", ...)' in rename["hint"]
    key = found["public.payments.id"]
    assert key["severity"] == "info" and key["fix_sql"] is None
    assert f"`id = fields.IntField({keyword}=True, generated=False)`" in key["hint"]
    said = " ".join(f["message"] + f["hint"] for f in found.values())
    assert "mapped_column" not in said and "autoincrement" not in said and "SQLAlchemy" not in said
