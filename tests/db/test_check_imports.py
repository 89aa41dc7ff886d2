"""A warm ``pgwarden check`` imports only what it uses: no parser, no rich, no SQLAlchemy, no Alembic.

Most of a warm check's time is imports (issue 16): this keeps a heavy module from creeping back
into its path unnoticed. The run is a real process on the sample bot, its database migrated, the
expected schema served from the cache by the second run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pgwarden.scratch import Scratch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "telegram_bot"

NOT_ON_THE_WARM_PATH = ("pglast", "rich", "sqlalchemy", "alembic", "pgwarden.diff.render", "pgwarden.record")
"""The SQL parser, the terminal renderer, the ORM, Alembic, the fix-SQL planner (no drift: nothing
to render) and the migration writer (``--record-migration`` only)."""


def imported(
    argv: list[str], cwd: Path, env: dict[str, str]
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a ``python -X importtime -m pgwarden ...`` process imported, and the process."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pgwarden", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = {
        line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    return names - {"package"}, done


def test_a_warm_check_imports_no_heavy_module(scratch: Scratch, tmp_path: Path) -> None:
    project = tmp_path / "bot"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "logs"))
    url = scratch.create_database("warm_imports")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PGWARDEN_CACHE_DIR": str(tmp_path / "cache" / "pgwarden"),
    }
    up = subprocess.run(
        [sys.executable, "-m", "pgwarden", "migrate", "up"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert up.returncode == 0, up.stderr
    cold, first = imported(["check"], project, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "sqlalchemy" in cold, (
        "the first run builds the models' schema: the guard below would prove nothing"
    )

    warm, second = imported(["check"], project, env)

    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout == first.stdout
    heavy = sorted(m for m in warm if m.split(".")[0] in NOT_ON_THE_WARM_PATH or m in NOT_ON_THE_WARM_PATH)
    assert heavy == [], f"a warm `pgwarden check` imported {heavy}: import them where they are used"
    assert "psycopg" in warm and "pgwarden.orchestrator" in warm  # the run did read the database
