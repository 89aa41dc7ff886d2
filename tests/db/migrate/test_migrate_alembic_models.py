"""With no ``models`` configured, ``check`` reads the models ``env.py`` names in ``target_metadata`` (env.py never runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_migrate_alembic import project, run

__all__ = ["project"]  # the fixture, imported for pytest


def test_check_uses_target_metadata_when_models_is_not_set(project: Path, db_url: str) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('models = "reminder_bot.db.models:Base"\n', ""))
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and "reminder_bot.db.models:Base" in doc["sources"]
    models = project / "src" / "reminder_bot" / "db" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    text: Mapped[str] = mapped_column(Text)\n",
            "    text: Mapped[str] = mapped_column(Text)\n    done_at: Mapped[datetime | None] = "
            "mapped_column(DateTime(timezone=True))\n",
        )
    )
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    found = json.loads(out)["findings"]
    assert code == 1 and any(f["object"] == "public.reminders.done_at" for f in found), found


def test_a_target_metadata_that_cannot_load_says_where_the_spec_came_from(project: Path, db_url: str) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('models = "reminder_bot.db.models:Base"\n', ""))
    env = project / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "from reminder_bot.db.models import Base", "from reminder_bot.db.gone import Base"
        )
    )
    code, out, err = run("check", "--db", db_url)
    assert code == 2 and "target_metadata" in err and "migrations/env.py" in err and "Traceback" not in err


def test_models_that_print_at_import_keep_json_output_valid(project: Path, db_url: str) -> None:
    models = project / "src" / "reminder_bot" / "db" / "models.py"
    models.write_text("print('connecting to the settings service')\n" + models.read_text())
    done = subprocess.run(
        [sys.executable, "-m", "pgwarden", "check", "--format", "json"],
        cwd=project,
        env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert json.loads(done.stdout)["findings"]  # nothing applied yet: drift, as JSON
    assert "connecting to the settings service" in done.stderr
