"""Models and SQL migrations built side by side (the migrations in a thread): the same schemas as one
after the other, one scratch cluster, and errors in the order they came before (the models' first)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pgwarden.config import Config
from pgwarden.contract import migrations, models
from pgwarden.contract.configured import load_configured
from pgwarden.errors import MigrationError, SourceError
from pgwarden.scratch import LazyScratch, Scratch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
SHOP_MIGRATIONS = FIXTURES / "pgw_shop_migrations"


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")  # every run builds both sides


def _config(root: Path, migrations_folder: Path, spec: str = "pgw_shop_models:Base") -> Config:
    return Config(root=root, models=spec, migrations=migrations_folder)


def test_side_by_side_gives_what_one_after_the_other_gives(scratch: Scratch) -> None:
    with LazyScratch(scratch.server_url) as lazy:
        found = load_configured(_config(FIXTURES, SHOP_MIGRATIONS), lazy)
    assert [s.kind for s in found] == ["models", "migrations"]
    assert found[0].schema == models.load("pgw_shop_models:Base", scratch, root=FIXTURES).schema
    assert found[1].schema == migrations.load(SHOP_MIGRATIONS, scratch).schema


def test_one_throwaway_cluster_serves_both_sides(monkeypatch: pytest.MonkeyPatch) -> None:
    import pgwarden.scratch as scratch_module

    real = scratch_module.open_scratch
    opened: list[Scratch] = []

    def counted(dev_url: str | None = None) -> Scratch:
        opened.append(real(dev_url))
        return opened[-1]

    monkeypatch.setattr(scratch_module, "open_scratch", counted)
    with LazyScratch() as lazy:
        found = load_configured(_config(FIXTURES, SHOP_MIGRATIONS), lazy)
    assert [s.kind for s in found] == ["models", "migrations"]
    assert len(opened) == 1 and opened[0].cluster is None  # one cluster, and it is stopped


def test_the_models_error_comes_first_even_when_a_migration_fails(scratch: Scratch, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(SHOP_MIGRATIONS, folder)
    (folder / "999_broken.sql").write_text("CREATE TABLE broken (id int REFERENCES nowhere(id));\n")
    with LazyScratch(scratch.server_url) as lazy, pytest.raises(SourceError) as info:
        load_configured(_config(FIXTURES, folder, "pgw_shop_models:NoSuchBase"), lazy)
    assert not isinstance(info.value, MigrationError) and "NoSuchBase" in str(info.value)
    with LazyScratch(scratch.server_url) as lazy, pytest.raises(MigrationError) as failed:
        load_configured(_config(FIXTURES, folder), lazy)
    assert "999_broken.sql" in str(failed.value)


def test_an_empty_migrations_folder_is_said_after_the_models_error(scratch: Scratch, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with LazyScratch(scratch.server_url) as lazy, pytest.raises(SourceError) as info:
        load_configured(_config(FIXTURES, tmp_path / "empty", "pgw_shop_models:NoSuchBase"), lazy)
    assert "NoSuchBase" in str(info.value)
    with (
        LazyScratch(scratch.server_url) as lazy,
        pytest.raises(SourceError, match="holds no migration files"),
    ):
        load_configured(_config(FIXTURES, tmp_path / "empty"), lazy)
