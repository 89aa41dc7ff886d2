"""`pgwarden init` finds Tortoise, Peewee and Django models by their syntax tree and writes `models = ...`."""

from __future__ import annotations

import io
from pathlib import Path

from pgwarden.cli import main
from pgwarden.config import load
from pgwarden.discover import scan

TORTOISE_MODELS = """
from tortoise import fields
from tortoise.models import Model


class TimestampMixin:
    created_at = fields.DatetimeField(auto_now_add=True)


class Abstract(Model):
    class Meta:
        abstract = True


class User(TimestampMixin, Model):
    id = fields.BigIntField(pk=True, generated=False)


class Chat(Abstract):
    id = fields.BigIntField(pk=True)
"""

PEEWEE_BASE = """
from peewee import Model, PostgresqlDatabase

db = PostgresqlDatabase(None)


class BaseModel(Model):
    class Meta:
        database = db
"""

PEEWEE_MODELS = """
from peewee import BigIntegerField, CharField

from .base import BaseModel


class User(BaseModel):
    id = BigIntegerField(primary_key=True)
    name = CharField()


class Chat(BaseModel):
    id = BigIntegerField(primary_key=True)
"""

MANAGE = """#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""

DJANGO_MODELS = """
from django.db import models


class Stamped(models.Model):
    class Meta:
        abstract = True


class Subscriber(Stamped):
    telegram_id = models.BigIntegerField(unique=True)
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def init(root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["init", "--path", str(root)], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def models_of(root: Path) -> object:
    return load(root / "pgwarden.toml").models


def test_a_tortoise_config_module_is_the_models_setting(tmp_path: Path) -> None:
    config = 'import os\nTORTOISE_ORM = {"connections": {"default": os.environ["DB"]}, "apps": {}}\n'
    root = write(tmp_path, {"bot/__init__.py": "", "bot/config.py": config, "bot/models.py": TORTOISE_MODELS})
    [found] = scan(root).orms
    assert (found.orm, found.spec, found.tables) == ("Tortoise", "bot.config:TORTOISE_ORM", 2)
    code, out, err = init(root)
    assert code == 0, err
    assert models_of(root) == "bot.config:TORTOISE_ORM"
    assert "bot.config:TORTOISE_ORM (Tortoise, 2 table(s)" in out


def test_aerichs_setting_wins_in_pyproject_and_in_aerich_ini(tmp_path: Path) -> None:
    config = 'settings = {"connections": {"default": "postgres://"}, "apps": {"models": {}}}\n'
    root = write(tmp_path, {"app/config.py": config, "app/db/models.py": TORTOISE_MODELS})
    assert scan(root).orms[0].spec == "app.config:settings"  # a dict with apps and connections
    (root / "aerich.ini").write_text(
        "[aerich]\ntortoise_orm = app.config.settings\nlocation = ./migrations\n"
    )
    assert scan(root).orms[0].spec == "app.config:settings"
    (root / "pyproject.toml").write_text('[tool.aerich]\ntortoise_orm = "app.conf.TORTOISE"\n')
    assert scan(root).orms[0].spec == "app.conf:TORTOISE"


def test_bare_tortoise_models_name_their_module(tmp_path: Path) -> None:
    root = write(tmp_path, {"db/models.py": TORTOISE_MODELS, "main.py": "print('hi')\n"})
    assert [(o.spec, o.how) for o in scan(root).orms] == [("db.models", "the module with the most models")]


def test_peewee_models_across_modules_name_the_models_module_not_the_base(tmp_path: Path) -> None:
    root = write(tmp_path, {"bot/db/base.py": PEEWEE_BASE, "bot/db/models.py": PEEWEE_MODELS})
    [found] = scan(root).orms
    assert (found.orm, found.spec, found.tables) == ("Peewee", "bot.db.models", 2)
    assert init(root)[0] == 0 and models_of(root) == "bot.db.models"


def test_a_django_project_names_the_settings_module_from_manage_py(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "manage.py": MANAGE,
            "mysite/settings.py": "INSTALLED_APPS = ['subscribers']\n",
            "subscribers/models.py": DJANGO_MODELS,
        },
    )
    [found] = scan(root).orms
    assert (found.orm, found.spec, found.tables) == ("Django", "mysite.settings", 1)
    code, out, _ = init(root)
    assert code == 0 and models_of(root) == "mysite.settings" and "DJANGO_SETTINGS_MODULE" in out


def test_sqlalchemy_projects_and_plain_scripts_find_no_other_orm(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "models.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
            "notes.py": "# we tried django and peewee once\nclass Model:\n    pass\n\n\nclass User(Model):\n    pass\n",
        },
    )
    assert scan(root).orms == []
    code, out, _ = init(root)
    assert code == 0 and models_of(root) == "models:Base"
