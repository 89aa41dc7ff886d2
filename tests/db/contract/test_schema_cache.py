"""The expected-schema cache: a warm source starts no scratch server and gives the same schema; any
change of its inputs builds afresh."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgwarden.catalog.model import Schema
from pgwarden.contract import migrations, schema_cache
from pgwarden.contract.configured import load_models
from pgwarden.scratch import Scratch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"


class Counting:
    """A scratch factory that counts how often a scratch server is asked for."""

    def __init__(self, scratch: Scratch) -> None:
        self.scratch = scratch
        self.calls = 0

    def __call__(self) -> Scratch:
        self.calls += 1
        return self.scratch

    def identity(self) -> str:
        return self.scratch.identity()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    yield tmp_path / "cache" / "schemas"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(FIXTURES / "pgw_shop_migrations", folder)
    return folder


def _same(a: Schema, b: Schema) -> None:
    assert a == b
    assert a.server_version == b.server_version
    assert a.privileges_read == b.privileges_read


def test_warm_migrations_start_no_scratch_and_give_the_same_schema(scratch: Scratch, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    cold_factory, warm_factory = Counting(scratch), Counting(scratch)
    cold = migrations.load(folder, cold_factory, schemas=["public"])
    warm = migrations.load(folder, warm_factory, schemas=["public"])
    assert (cold_factory.calls, warm_factory.calls) == (1, 0)
    _same(cold.schema, warm.schema)
    assert warm.label == cold.label and warm.kind == "migrations"


def test_an_edited_added_or_renamed_migration_builds_afresh(scratch: Scratch, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    migrations.load(folder, Counting(scratch))
    files = sorted(folder.glob("*.sql"))
    last = files[-1]
    last.write_text(last.read_text() + "\nCREATE TABLE cache_probe (id int);\n")
    again = Counting(scratch)
    edited = migrations.load(folder, again)
    assert again.calls == 1
    assert any(t.name == "cache_probe" for t in edited.schema.tables)
    number = int(last.name.split("_")[0]) + 1
    (folder / f"{number:03d}_more.sql").write_text("CREATE TABLE cache_more (id int);\n")
    added = Counting(scratch)
    assert any(t.name == "cache_more" for t in migrations.load(folder, added).schema.tables)
    assert added.calls == 1
    # the same settings with another `ignore` is another key
    other = Counting(scratch)
    ignored = migrations.load(folder, other, ignore=["public.cache_more"])
    assert other.calls == 1
    assert not any(t.name == "cache_more" for t in ignored.schema.tables)


def test_a_damaged_entry_is_built_again(scratch: Scratch, tmp_path: Path, own_cache: Path) -> None:
    folder = _folder(tmp_path)
    cold = migrations.load(folder, Counting(scratch))
    (entry,) = own_cache.glob("*.json")
    entry.write_text('{"format": "pgwarden-schema-cache-1", "files": {}, "attributes": {}, "snapshot": "{')
    again = Counting(scratch)
    _same(migrations.load(folder, again).schema, cold.schema)
    assert again.calls == 1


def test_a_folder_others_can_write_to_is_not_used(scratch: Scratch, tmp_path: Path, own_cache: Path) -> None:
    folder = _folder(tmp_path)
    own_cache.mkdir(parents=True)
    os.chmod(own_cache, 0o777)
    migrations.load(folder, Counting(scratch))
    again = Counting(scratch)
    migrations.load(folder, again)
    assert again.calls == 1
    assert not list(own_cache.glob("*.json"))


def test_switched_off(scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")
    folder = _folder(tmp_path)
    migrations.load(folder, Counting(scratch))
    again = Counting(scratch)
    migrations.load(folder, again)
    assert again.calls == 1


def test_models_in_process_are_kept_until_a_module_they_import_changes(
    scratch: Scratch, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    (project / "cacheapp").mkdir(parents=True)
    (project / "cacheapp" / "__init__.py").write_text("")
    (project / "cacheapp" / "columns.py").write_text("WIDTH = 40\n")
    (project / "cacheapp" / "models.py").write_text(
        "from sqlalchemy import Column, Integer, MetaData, String, Table\n"
        "from .columns import WIDTH\n"
        "metadata = MetaData()\n"
        "Table('cache_people', metadata, Column('id', Integer, primary_key=True), Column('name', String(WIDTH)))\n"
    )
    spec = "cacheapp.models:metadata"
    cold_factory, warm_factory = Counting(scratch), Counting(scratch)
    cold = load_models(spec, cold_factory, root=project)
    warm = load_models(spec, warm_factory, root=project)
    assert (cold_factory.calls, warm_factory.calls) == (1, 0)
    _same(cold.schema, warm.schema)
    assert warm.attributes == cold.attributes and warm.covers == cold.covers
    # a module the models import (not the models module itself) changes: built again
    (project / "cacheapp" / "columns.py").write_text("WIDTH = 80\n")
    changed = Counting(scratch)
    found = load_models(spec, changed, root=project)
    assert changed.calls == 1
    (table,) = [t for t in found.schema.tables if t.name == "cache_people"]
    assert [c.type for c in table.columns if c.name == "name"] == ["character varying(80)"]
    assert "cacheapp" not in sys.modules


def test_key_covers_the_server(tmp_path: Path) -> None:
    a = schema_cache.key("migrations", "server A", {"migrations": [["001", "x", "abc"]]})
    b = schema_cache.key("migrations", "server B", {"migrations": [["001", "x", "abc"]]})
    c = schema_cache.key("migrations", "server A", {"migrations": [["001", "x", "abd"]]})
    assert len({a, b, c}) == 3
