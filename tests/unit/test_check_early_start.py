"""When ``check`` starts its scratch cluster before anything else is known, and that the modules it
needs for that import no database driver (the cluster's initdb then overlaps psycopg's import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pgwarden.cli.check import builds_for_certain
from pgwarden.config import Config
from pgwarden.paths import cache_holds_entries


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_models_or_migrations_with_no_stored_schema_build_for_certain(cache: Path, tmp_path: Path) -> None:
    assert builds_for_certain(Config(root=tmp_path, models="app.db:Base"))
    assert builds_for_certain(Config(root=tmp_path, migrations=tmp_path / "migrations"))
    (cache / "schemas").mkdir(parents=True)
    (cache / "schemas" / ".entry-x.tmp").write_text("{}")  # one being written is not one to answer from
    assert builds_for_certain(Config(root=tmp_path, models="app.db:Base"))


def test_a_stored_schema_may_answer_so_the_cluster_waits_for_a_key_to_miss(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cache / "schemas").mkdir(parents=True)
    (cache / "schemas" / "0123abcd.json").write_text("{}")
    assert cache_holds_entries("schemas") and not cache_holds_entries("fixes")
    assert not builds_for_certain(Config(root=tmp_path, models="app.db:Base"))
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")  # no cache: every run builds
    assert builds_for_certain(Config(root=tmp_path, models="app.db:Base"))


def test_a_check_without_models_or_migrations_starts_no_cluster(cache: Path, tmp_path: Path) -> None:
    assert not builds_for_certain(Config(root=tmp_path))
    assert not builds_for_certain(Config(root=tmp_path, snapshot=tmp_path / "schema.json"))


def test_the_check_command_and_the_scratch_module_import_no_driver() -> None:
    """Else the cluster would start only after psycopg's ~0.1 s import, on the same core."""
    probe = "import sys, pgwarden.cli.check, pgwarden.scratch; print(sorted(m for m in sys.modules if m.startswith('psycopg')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("alembic", "imported"), [(True, "True"), (False, "False")])
def test_alembic_is_imported_meanwhile_only_for_an_alembic_environment(
    tmp_path: Path, alembic: bool, imported: str
) -> None:
    if alembic:
        (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
        where = tmp_path / "alembic.ini"
    else:
        (tmp_path / "001_init.sql").write_text("CREATE TABLE t (id int);\n")
        where = tmp_path
    probe = (
        "import sys; from pathlib import Path; from pgwarden.cli.check import _alembic_preload; "
        f"_alembic_preload(Path({str(where)!r})); print('alembic.script' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == imported
