"""Projects shaped like real bots, end to end: `init`, `check`, `run` with the URL where they keep it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

FIXTURES = Path(__file__).parent.parent / "fixtures" / "projects"
_URL_VARS = ("DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGHOSTADDR")


def _pgwarden(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _URL_VARS and not k.startswith("DB_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pgwarden", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def shop(tcp_db_url: str, tmp_path: Path) -> Path:
    """The aiogram-style shop bot, with a .env holding the scratch database's parts and a password."""
    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "aiogram_shop", project)
    parts = conninfo_to_dict(tcp_db_url)  # a server with a host, a port and a password, like production
    (project / ".env").write_text(
        f"BOT_TOKEN=123:abc\nDB_HOST={parts['host']}\nDB_PORT={parts['port']}\nDB_USER={parts['user']}\n"
        f"DB_PASS={parts['password']}\nDB_NAME={parts['dbname']}\n",
        encoding="utf-8",
    )
    return project


def test_init_check_run_on_an_aiogram_style_bot(shop: Path, tmp_path: Path) -> None:
    init = _pgwarden(shop, "init")
    assert init.returncode == 0, init.stderr
    config = (shop / "pgwarden.toml").read_text(encoding="utf-8")
    assert 'models = "shopbot.db.base:Base"' in config
    assert 'migrations = "migrations"' in config
    assert "hunter2" not in config + init.stdout + init.stderr
    # The settings object only rebuilds the URL from DB_*: init leaves it commented, pgwarden reads .env.
    assert '\n# database_url = "shopbot.config:settings.db.db_url"\n' in config
    doctor = _pgwarden(shop, "doctor", "env")
    assert f"from {shop / '.env'}: DB_*" in doctor.stderr
    # Uncommented, the settings object reads DB_* from the environment; pgwarden lends it .env's,
    # as systemd would.
    (shop / "pgwarden.toml").write_text(config.replace("# database_url =", "database_url ="))
    doctor = _pgwarden(shop, "doctor", "env")
    assert "from settings object shopbot.config:settings.db.db_url" in doctor.stderr
    assert "Ignored" not in doctor.stderr  # settings and .env parts name the same database
    assert "hunter2" not in doctor.stdout + doctor.stderr

    up = _pgwarden(shop, "migrate", "up")
    assert up.returncode == 0, up.stderr
    check = _pgwarden(shop, "check", "--format", "json")
    assert check.returncode == 0, check.stdout + check.stderr
    doc = json.loads(check.stdout)  # the settings module's print() went to stderr, not here
    assert [f["code"] for f in doc["findings"] if f["severity"] == "error"] == []
    assert "hunter2" not in check.stdout + check.stderr

    marker = tmp_path / "ran"
    os.environ["SHOPBOT_MARKER"] = str(marker)
    try:
        run = _pgwarden(shop, "run", "--", sys.executable, "-m", "shopbot")
    finally:
        del os.environ["SHOPBOT_MARKER"]
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "ran"
    assert "hunter2" not in run.stdout + run.stderr


def test_init_on_a_ptb_style_bot_with_alembic(tmp_path: Path) -> None:
    project = tmp_path / "ptb"
    shutil.copytree(FIXTURES / "ptb_legacy", project)
    (project / ".env").write_text("DATABASE_URL=postgresql://bot:hunter2-secret@db.internal/ptb\n")
    init = _pgwarden(project, "init", "--pyproject")
    assert init.returncode == 0, init.stderr
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.pgwarden]" in text and 'models = "app.models:Base"' in text
    assert "does not import app.models.chat, app.models.message" in text
    assert 'migrations = "alembic.ini"' in text.splitlines()  # the Alembic environment is the source
    assert "hunter2" not in text + init.stdout + init.stderr
    again = _pgwarden(project, "init", "--pyproject")
    assert again.returncode == 2 and "--force" in again.stderr
    assert _pgwarden(project, "init", "--pyproject", "--force").returncode == 0
    assert (project / "pyproject.toml").read_text(encoding="utf-8").count("[tool.pgwarden]") == 1


def test_settings_that_raise_on_import_exit_2_in_one_sentence(shop: Path) -> None:
    (shop / "pgwarden.toml").write_text('database_url = "shopbot.config:settings.db.db_url"\n')
    (shop / "shopbot" / "config.py").write_text("raise KeyError('BOT_TOKEN')\n")
    result = _pgwarden(shop, "check")
    assert result.returncode == 2
    assert "Importing settings module `shopbot.config` for `database_url` raised KeyError" in result.stderr
    assert "Traceback" not in result.stderr


def test_split_models_custom_part_names_and_a_direct_url(tcp_db_url: str, tmp_path: Path) -> None:
    """Base and models in separate modules; DATABASE_* parts; a settings module that raises on import."""
    project = tmp_path / "split"
    shutil.copytree(FIXTURES / "aiogram_split", project)
    parts = conninfo_to_dict(tcp_db_url)
    env = (
        f"DATABASE_HOST={parts['host']}\nDATABASE_PORT={parts['port']}\nDATABASE_USER={parts['user']}\n"
        f"DATABASE_PASSWORD={parts['password']}\nDATABASE_NAME={parts['dbname']}\n"
    )
    # The parts name a pooler that is down; DIRECT_URL reaches PostgreSQL itself.
    closed = env.replace(f"DATABASE_PORT={parts['port']}", "DATABASE_PORT=1")
    (project / ".env").write_text(f"{closed}DIRECT_URL={tcp_db_url}\n", encoding="utf-8")
    init = _pgwarden(project, "init")
    assert init.returncode == 0, init.stderr
    config = (project / "pgwarden.toml").read_text(encoding="utf-8")
    assert 'models = "database.models:Base"' in config and "database_parts = {" in config
    up = _pgwarden(project, "migrate", "up")  # migrations take the direct URL
    assert up.returncode == 0, up.stderr
    assert _pgwarden(project, "check").returncode == 3  # the check takes the pooler's, which is down
    doctor = _pgwarden(project, "doctor", "env")
    assert "Direct URL " in doctor.stderr and f"from {project / '.env'}: DIRECT_URL" in doctor.stderr
    (project / ".env").write_text(env, encoding="utf-8")
    # bot.config raises without ADMIN_ID; pgwarden never imports it, it reads DATABASE_* itself.
    check = _pgwarden(project, "check", "--format", "json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["summary"]["error"] == 0
    os.environ["ADMIN_ID"] = "42"
    try:
        run = _pgwarden(project, "run", "--", sys.executable, "-m", "bot")
    finally:
        del os.environ["ADMIN_ID"]
    assert run.returncode == 0, run.stderr
    assert "started for 42" in run.stdout
    everything = (
        init.stdout + init.stderr + up.stderr + doctor.stdout + doctor.stderr + check.stdout + run.stderr
    )
    assert parts["password"] not in everything + config


def test_src_layout_bot_with_only_an_example_env(tcp_db_url: str, tmp_path: Path) -> None:
    """`python src/main.py` bots: modules import `core` from src/, the settings print at import."""
    project = tmp_path / "ptbsrc"
    shutil.copytree(FIXTURES / "ptb_src", project)
    init = _pgwarden(project, "init")
    assert init.returncode == 0, init.stderr
    assert "example.env lists DATABASE_URL: copy it to .env" in init.stdout
    (project / ".env").write_text(f"DATABASE_URL={tcp_db_url}\n", encoding="utf-8")
    check = _pgwarden(project, "check", "--format", "json")
    assert check.returncode == 1, check.stderr
    found = [f for f in json.loads(check.stdout)["findings"] if f["kind"] == "missing_table"]
    assert sorted(f["object"] for f in found) == ["public.order", "public.user"]  # both model modules
    assert "core.settings loaded" not in check.stdout  # the models' import printed to stderr
