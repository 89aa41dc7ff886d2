"""Django models read in the project's own interpreter, named by the settings module.

The live database is built by the project's own ``manage.py migrate``; pgwarden's side is what
Django's schema editor writes for the same models with a connection that is never opened.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from orm_venvs import DJANGO, orm_venv
from psycopg.conninfo import conninfo_to_dict

from pgwarden.cli import main
from pgwarden.contract.export import export_models
from pgwarden.contract.interpreter import Interpreter

SETTINGS = """
import os

print("django settings loaded")
SECRET_KEY = "not-a-secret"
USE_TZ = True
# BigAutoField here would give the auth app's many-to-many tables bigint ids under `migrate` but
# integer ones in the models (a Django quirk pgwarden reports as PW106); the default keeps both integer.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("SHOP_DB_NAME", "shop"),
        "HOST": os.environ.get("SHOP_DB_HOST", "localhost"),
        "PORT": os.environ.get("SHOP_DB_PORT", "5432"),
        "USER": os.environ.get("SHOP_DB_USER", "shop"),
        "PASSWORD": os.environ.get("SHOP_DB_PASSWORD", "s3cret"),
    }
}
"""

MODELS = """
from django.db import models

print("django models imported")


class Customer(models.Model):
    tg_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=50, db_index=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    tags = models.ManyToManyField("Tag")

    class Meta:
        unique_together = [("customer", "total")]
        indexes = [models.Index(fields=["total"], name="order_total_ix")]


class Tag(models.Model):
    label = models.TextField()
"""


def project(tmp: Path, python: Path, spec: str = "config.settings") -> Path:
    for folder in ("config", "shop", "shop/migrations"):
        (tmp / folder).mkdir(parents=True, exist_ok=True)
        (tmp / folder / "__init__.py").write_text("")
    (tmp / "config" / "settings.py").write_text(SETTINGS)
    (tmp / "shop" / "models.py").write_text(MODELS)
    (tmp / "pgwarden.toml").write_text(f'models = "{spec}"\npython = "{python}"\n')
    return tmp


def migrate(python: Path, root: Path, db_url: str) -> None:
    """The project's own makemigrations + migrate on the live database."""
    info = conninfo_to_dict(db_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SHOP_DB_NAME": str(info["dbname"]),
        "SHOP_DB_HOST": str(info.get("host", "")),
        "SHOP_DB_PORT": str(info.get("port", "5432")),
        "SHOP_DB_USER": str(info.get("user", "")),
        "SHOP_DB_PASSWORD": str(info.get("password", "")),
    }
    for command in (["makemigrations", "shop"], ["migrate"]):
        done = subprocess.run(
            [str(python), "-m", "django", *command],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]


def check(root: Path, db_url: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)


def test_django_models_are_clean_against_manage_py_migrate_and_drift_is_found(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    python = orm_venv(DJANGO)
    root = project(tmp_path, python)
    migrate(python, root, db_url)
    code, text = check(root, db_url)
    assert "django settings loaded" not in text and "django models imported" not in text
    assert code == 0, text

    conn.execute("DROP INDEX order_total_ix")
    conn.execute("ALTER TABLE shop_customer ALTER COLUMN name TYPE varchar(20)")
    code, text = check(root, db_url)
    assert code == 1, text
    flat = " ".join(text.split())
    assert "order_total_ix" in flat and "character varying(20)" in flat


def test_the_django_export_names_classes_and_is_never_connected(tmp_path: Path) -> None:
    python = orm_venv(DJANGO)
    root = project(tmp_path, python)
    exported = export_models("config.settings", root, Interpreter(python, "test"), use_cache=False)
    assert exported.orm.startswith("Django 5.2")
    tables = [what for what, _ in exported.ddl if what.startswith("table")]
    assert "table public.shop_order_tags" in tables and "table public.django_migrations" in tables
    columns = {c["table"] + "." + c["column"]: c for c in exported.columns}
    assert columns["public.shop_order.customer_id"]["attribute"] == "customer"
    assert columns["public.shop_order.id"]["serial"] and not columns["public.shop_customer.tg_id"]["serial"]


def test_a_django_models_module_points_to_the_settings_module(tmp_path: Path, db_url: str) -> None:
    python = orm_venv(DJANGO)
    root = project(tmp_path, python, spec="shop.models")
    code, text = check(root, db_url)
    flat = " ".join(text.split())
    assert code == 2 and "Traceback" not in text, text
    assert "`shop.models` needs Django set up first" in flat and "Django settings module" in flat
