"""A warm ``pgwarden check`` (and a ``migrate up`` with nothing to do) imports only what it uses: no
parser, no rich, no SQLAlchemy, no Alembic.

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
from urllib.parse import urlsplit

import psycopg
import pytest

from pgwarden.scratch import Scratch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NOT_ON_THE_WARM_PATH = (
    "pglast",
    "rich",
    "sqlalchemy",
    "alembic",
    "pgwarden.diff.render",
    "pgwarden.record",
    "pgwarden.incidents",
)
"""The SQL parser, the terminal renderer, the ORM, Alembic, the fix-SQL planner (no drift: nothing
to render), the migration writer (``--record-migration`` only) and the incidents' table (cited in
findings' text: none to print)."""


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


def warm_imports(example: str, tmp_path: Path, env: dict[str, str]) -> list[str]:
    """The heavy modules a second ``check`` of ``example`` (its database migrated) imported."""
    project = tmp_path / example
    shutil.copytree(EXAMPLES / example, project, ignore=shutil.ignore_patterns("__pycache__", "logs"))
    env = {
        **os.environ,
        **env,
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
    assert "psycopg" in warm and "pgwarden.orchestrator" in warm  # the run did read the database
    return sorted(m for m in warm if m.split(".")[0] in NOT_ON_THE_WARM_PATH or m in NOT_ON_THE_WARM_PATH)


def alembic_bot_env(url: str) -> dict[str, str]:
    """examples/alembic_bot's settings build their URL from ``DB_*`` parts."""
    parts = urlsplit(url)
    return {
        "DATABASE_URL": url,
        "DB_HOST": parts.hostname or "",
        "DB_PORT": str(parts.port),
        "DB_USER": parts.username or "",
        "DB_PASSWORD": parts.password or "",
        "DB_NAME": parts.path.lstrip("/"),
    }


def test_a_warm_check_imports_no_heavy_module(scratch: Scratch, tmp_path: Path) -> None:
    url = scratch.create_database("warm_imports")
    heavy = warm_imports("telegram_bot", tmp_path, {"DATABASE_URL": url})
    assert heavy == [], f"a warm `pgwarden check` imported {heavy}: import them where they are used"


def test_a_warm_check_of_an_alembic_project_imports_no_heavy_module(tcp_db_url: str, tmp_path: Path) -> None:
    """Nor Alembic's reader, nor the data guard's parser that only running revisions needs."""
    heavy = warm_imports("alembic_bot", tmp_path, alembic_bot_env(tcp_db_url))
    assert heavy == [], f"a warm `pgwarden check` imported {heavy}: import them where they are used"


def test_a_migrate_up_with_nothing_to_apply_reads_no_catalog(scratch: Scratch, tmp_path: Path) -> None:
    """A deploy runs ``migrate up`` on a database it already migrated: one ledger read, so neither the
    catalog reader nor the diff (only a database with tables and no ledger at all is compared with the
    files) nor the parser (no statement to split) is imported. Nor on a fresh database (no table:
    nothing can be applied already)."""
    project = tmp_path / "telegram_bot"
    shutil.copytree(EXAMPLES / "telegram_bot", project, ignore=shutil.ignore_patterns("__pycache__", "logs"))
    fresh, legacy = scratch.create_database("up_imports"), scratch.create_database("up_imports_legacy")
    with psycopg.connect(legacy, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes_by_hand (id bigint)")  # a table, no ledger: compared with the files
    first, done = imported(["migrate", "up"], project, {**os.environ, "DATABASE_URL": legacy})
    assert done.returncode == 0, done.stderr
    assert "pgwarden.catalog" in first, "tables without a ledger are compared with what the files build"

    def heavy(argv: list[str], url: str) -> list[str]:
        found, done = imported(argv, project, {**os.environ, "DATABASE_URL": url})
        assert done.returncode == 0, done.stderr
        return sorted(
            m
            for m in found
            if m.split(".")[0] == "sqlalchemy" or m.startswith(("pgwarden.catalog", "pgwarden.diff"))
        )

    assert heavy(["migrate", "up"], fresh) == [], "a fresh database has no table a file could have made"
    assert heavy(["migrate", "up"], fresh) == [], (
        "`pgwarden migrate up` with nothing to apply reads no catalog"
    )
    again, done = imported(["migrate", "up"], project, {**os.environ, "DATABASE_URL": fresh})
    assert not {m for m in again if m.split(".")[0] == "pglast"}, "nothing to apply: no statement to split"
    assert "pgwarden.lint.lean" not in again, (
        "only a command line naming `lint` looks for lint's stored report"
    )
    # Telling a folder of SQL files from an Alembic environment (`alembic_scripts.is_alembic`) is all
    # of Alembic's side such a project needs; nor does a deploy with nothing to apply start a scratch.
    unused = sorted(
        m
        for m in again
        if m.split(".")[0] == "alembic"
        or m.startswith(("pgwarden.scratch", "pgwarden.migrate.alembic_", "pgwarden.cli._migrate_alembic_"))
        and m != "pgwarden.migrate.alembic_scripts"
    )
    assert unused == [], f"`migrate up` of a folder of SQL files imported {unused}"


def test_an_alembic_deploy_at_the_head_imports_no_alembic_and_takes_no_lock(
    tcp_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`migrate up` of an Alembic project whose database is at the head: one read-only look at the version
    table, read against the revision files without Alembic, SQLAlchemy or the lock (held here by another)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "migrate"))
    from lock_helpers import hold_migration_lock

    project = tmp_path / "alembic_bot"
    shutil.copytree(EXAMPLES / "alembic_bot", project, ignore=shutil.ignore_patterns("__pycache__", "logs"))
    env = {**os.environ, **alembic_bot_env(tcp_db_url)}
    first, done = imported(["migrate", "up"], project, env)
    assert done.returncode == 0, done.stderr
    assert "alembic" in first, "the first run applies the revisions through Alembic"
    with psycopg.connect(tcp_db_url, autocommit=True) as other:
        hold_migration_lock(other, "replica-2 migrator")
        again, done = imported(["migrate", "up", "--lock-wait", "0.5"], project, env)
    assert done.returncode == 0 and "nothing to apply" in done.stderr, done.stderr
    heavy = sorted(m for m in again if m.split(".")[0] in ("alembic", "sqlalchemy", "pglast"))
    assert heavy == [], f"`pgwarden migrate up` at the head imported {heavy}"


PRESTART_PROBE = """
import sys
import pgwarden.scratch as scratch
calls = []
real = scratch.LazyScratch.prestart
def prestart(self):
    calls.append("pgwarden.orchestrator" in sys.modules)
    real(self)
scratch.LazyScratch.prestart = prestart
sys.argv = ["pgwarden", *sys.argv[1:]]
from pgwarden.__main__ import main
code = main()
sys.stderr.write(f"\\nprestart: {calls}\\n")
sys.exit(code)
"""
"""``pgwarden`` with a record of each ``LazyScratch.prestart`` call: whether the check's own code had
been imported by then."""


def test_a_first_check_starts_its_cluster_before_importing_the_check_and_a_warm_one_starts_none(
    scratch: Scratch, tmp_path: Path
) -> None:
    project = tmp_path / "telegram_bot"
    shutil.copytree(EXAMPLES / "telegram_bot", project, ignore=shutil.ignore_patterns("__pycache__", "logs"))
    env = {
        **os.environ,
        "DATABASE_URL": scratch.create_database("early_start"),
        "PGWARDEN_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("PGWARDEN_NO_CACHE", None)
    up = subprocess.run([sys.executable, "-m", "pgwarden", "migrate", "up"], cwd=project, env=env)
    assert up.returncode == 0

    def run() -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-c", PRESTART_PROBE, "check"]
        return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=120)

    cold, warm = run(), run()
    assert cold.returncode == warm.returncode == 0, cold.stderr + warm.stderr
    assert cold.stderr.endswith("prestart: [False, True]\n"), cold.stderr  # early; the models' ask is a no-op
    assert warm.stderr.endswith("prestart: []\n"), warm.stderr  # the cache answers: no cluster
    assert cold.stdout == warm.stdout
