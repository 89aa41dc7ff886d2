"""``models`` from an Alembic ``env.py``'s ``target_metadata``, read from its syntax tree (env.py never runs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pgwarden import config
from pgwarden._alembic_env import env_file, target_metadata

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alembic_bot"


@pytest.mark.parametrize(
    ("source", "spec"),
    [
        (
            "from reminder_bot.db.models import Base\ntarget_metadata = Base.metadata\n",
            "reminder_bot.db.models:Base",
        ),
        ("from app.db import metadata\ntarget_metadata = metadata\n", "app.db:metadata"),
        ("import app.db.models as m\ntarget_metadata: object = m.Base.metadata\n", "app.db.models:Base"),
        ("from app.db import Model as M\ntarget_metadata = M.metadata\n", "app.db:Model"),
        ("target_metadata = None\n", None),
        ("from a import A\nfrom b import B\ntarget_metadata = [A.metadata, B.metadata]\n", "a:A, b:B"),
        ("def f():\n    from app import Base\n    return Base.metadata\ntarget_metadata = f()\n", "app:Base"),
        ("from app import models\ntarget_metadata = models.Base.metadata\n", "app:models.Base"),
        ("import app.db.models\ntarget_metadata = app.db.models.Base.metadata\n", "app.db.models:Base"),
        (
            "from app.db import Base\nimport app.models  # noqa\ntarget_metadata = Base.metadata\n",
            "app.models, app.db:Base",
        ),
        (
            "from app.db import Base\nfrom app.models import user, order  # noqa\ntarget_metadata = Base.metadata\n",
            "app.models.user, app.models.order, app.db:Base",
        ),
        (
            "from app.db import Base\nfrom app.models import *\ntarget_metadata = Base.metadata\n",
            "app.models, app.db:Base",
        ),
        ("from app.registry import build\ntarget_metadata = build()\n", None),
        ("from sqlalchemy import MetaData\ntarget_metadata = MetaData()\n", None),
        ("target_metadata = (\n", None),
    ],
)
def test_the_spec_comes_from_the_import_that_bound_target_metadata(
    tmp_path: Path, source: str, spec: str | None
) -> None:
    env = tmp_path / "env.py"
    env.write_text("import asyncio\nfrom alembic import context\nconfig = context.config\n" + source)
    assert target_metadata(env) == spec


def test_env_py_is_found_from_the_ini_the_pyproject_or_the_folder(tmp_path: Path) -> None:
    (tmp_path / "db" / "alembic").mkdir(parents=True)
    env = tmp_path / "db" / "alembic" / "env.py"
    env.write_text("")
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/db/alembic\n")
    (tmp_path / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "db/alembic"\n')
    assert env_file(tmp_path / "alembic.ini") == env
    assert env_file(tmp_path / "pyproject.toml") == env
    assert env_file(tmp_path / "db" / "alembic") == env
    (tmp_path / "other.ini").write_text("[alembic]\nscript_location = mypkg:migrations\n")
    assert env_file(tmp_path / "other.ini") is None


def test_config_takes_models_from_env_py_only_when_none_is_configured(tmp_path: Path) -> None:
    root = tmp_path / "bot"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    cfg = config.load(root / "pyproject.toml")
    assert cfg.models == "reminder_bot.db.models:Base" and cfg.models_from is None  # configured
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.replace('models = "reminder_bot.db.models:Base"\n', ""))
    cfg = config.load(root / "pyproject.toml")
    assert cfg.models == "reminder_bot.db.models:Base"
    assert cfg.models_from == root / "migrations" / "env.py"
    assert cfg.with_overrides(models="app:Other").models == "app:Other"
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    assert config.load(cwd=elsewhere).models is None
