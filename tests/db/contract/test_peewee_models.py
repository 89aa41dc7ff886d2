"""Peewee models read in the project's own interpreter.

The live database is built by the project's own ``db.create_tables()`` over psycopg2; the
project's database in the module is SQLite, as in many small bots, and pgwarden still
gets PostgreSQL DDL.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import psycopg
import pytest
from orm_venvs import PEEWEE, orm_venv

from pgwarden.cli import main
from pgwarden.contract.export import export_models
from pgwarden.contract.interpreter import Interpreter

MODELS = """
import datetime
from pathlib import Path

from peewee import (
    BigAutoField, BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model,
    SqliteDatabase, TextField,
)

print("peewee models imported")
with open(Path(__file__).with_name("imports.log"), "a") as log:
    log.write("imported\\n")

db = SqliteDatabase("bot.sqlite3")


class BaseModel(Model):
    class Meta:
        database = db


class User(BaseModel):
    id = BigIntegerField(primary_key=True)  # a Telegram id
    username = CharField(max_length=32, null=True, index=True)
    created = DateTimeField(default=datetime.datetime.now)
    {extra}

    class Meta:
        table_name = "users"


class Order(BaseModel):
    id = BigAutoField()
    user = ForeignKeyField(User, backref="orders", on_delete="CASCADE")
    item = CharField(max_length=64)
    quantity = IntegerField(default=1)
    note = TextField(null=True)

    class Meta:
        table_name = "orders"
        indexes = ((("user", "item"), True),)
"""


def project(tmp: Path, python: Path, *, spec: str = "shop.models", extra: str = "") -> Path:
    (tmp / "shop").mkdir(exist_ok=True)
    (tmp / "shop" / "__init__.py").write_text("")
    (tmp / "shop" / "models.py").write_text(MODELS.replace("{extra}", extra))
    (tmp / "pgwarden.toml").write_text(f'models = "{spec}"\npython = "{python}"\n')
    return tmp


def create_tables(python: Path, root: Path, db_url: str) -> None:
    """The project's own ``create_tables`` on the live database (the models' database re-bound)."""
    script = (
        "import sys\n"
        "from peewee import PostgresqlDatabase\n"
        "from shop import models\n"
        "live = PostgresqlDatabase(None)\n"
        "live.init(sys.argv[1])\n"
        "tables = [models.User, models.Order]\n"
        "with live.bind_ctx(tables):\n"
        "    live.create_tables(tables)\n"
    )
    subprocess.run([str(python), "-c", script, db_url], cwd=root, check=True, capture_output=True)


def check(root: Path, db_url: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)


@pytest.mark.parametrize("requirement", PEEWEE)
def test_peewee_models_are_clean_against_create_tables_and_drift_is_found(
    requirement: str, tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    python = orm_venv(requirement)
    root = project(tmp_path, python)
    create_tables(python, root, db_url)
    code, text = check(root, db_url)
    assert "peewee models imported" not in text
    assert code == 0, text

    conn.execute("DROP INDEX order_user_id_item")
    conn.execute("ALTER TABLE users ALTER COLUMN username TYPE varchar(16)")
    code, text = check(root, db_url)
    assert code == 1, text
    flat = " ".join(text.split())
    assert "order_user_id_item" in flat and "character varying(16)" in flat


def test_peewee_by_database_and_by_module_and_the_export_is_cached(tmp_path: Path) -> None:
    python = orm_venv(PEEWEE[-1])
    root = project(tmp_path, python)
    interpreter = Interpreter(python, "test")
    first = export_models("shop.models", root, interpreter)
    assert first.orm == "Peewee 4.5.3"
    # BaseModel only carries Meta.database: not a table; the sequence of BigAutoField is BIGSERIAL.
    assert [what for what, _ in first.ddl if what.startswith("table")] == [
        "table public.users",
        "table public.orders",
    ]
    assert any('"id" BIGSERIAL' in statement for _, statement in first.ddl)
    assert export_models("shop.models:db", root, interpreter, use_cache=False).ddl == first.ddl
    assert export_models("shop.models", root, interpreter) == first
    log = root / "shop" / "imports.log"
    assert log.read_text().count("imported") == 2  # two real runs; the third came from the cache
    project(tmp_path, python, extra="lang = CharField(max_length=8, default='en')")
    changed = export_models("shop.models", root, interpreter)
    assert any('"lang" VARCHAR(8)' in statement for _, statement in changed.ddl)
    columns = {c["table"] + "." + c["column"]: c for c in changed.columns}
    assert columns["public.orders.id"]["serial"] and not columns["public.users.id"]["serial"]
    assert columns["public.orders.user_id"]["attribute"] == "user"


def test_a_module_of_no_known_orm_is_one_sentence(tmp_path: Path, db_url: str) -> None:
    python = orm_venv(PEEWEE[-1])
    root = project(tmp_path, python, spec="shop.plain")
    (root / "shop" / "plain.py").write_text("VALUE = 1\n")
    code, text = check(root, db_url)
    assert code == 2 and "Traceback" not in text, text
    flat = " ".join(text.split())
    assert "`shop.plain` is a module, not a SQLAlchemy MetaData" in flat and str(python) in flat
