"""The expected-schema cache's store: whole entries only, even with writers racing; files vouch for entries."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pgwarden.catalog.model import Schema, Table
from pgwarden.contract import schema_cache


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    return tmp_path / "cache" / "schemas"


def _schema(n: int) -> Schema:
    return Schema(
        schemas=("public",),
        tables=tuple(Table(schema="public", name=f"t{i}") for i in range(n)),
        server_version=150004,
    )


def test_an_entry_comes_back_equal() -> None:
    key = schema_cache.key("migrations", "server", {"m": 1})
    schema_cache.store(key, schema_cache.Entry(_schema(3), {"public.t0.id": "T0.id"}))
    found = schema_cache.load(key)
    assert found is not None
    assert found.schema == _schema(3) and found.schema.server_version == 150004
    assert dict(found.attributes) == {"public.t0.id": "T0.id"}


def test_a_file_the_entry_depends_on_changes(tmp_path: Path) -> None:
    module = tmp_path / "models.py"
    module.write_text("A = 1\n")
    key = schema_cache.key("models", "server", {"spec": "models:Base"})
    schema_cache.store(key, schema_cache.Entry(_schema(1)), files=[str(module)])
    assert schema_cache.load(key) is not None
    module.write_text("A = 2\n")
    assert schema_cache.load(key) is None
    module.unlink()
    assert schema_cache.load(key) is None


def test_an_unreadable_file_stores_nothing(tmp_path: Path, own_cache: Path) -> None:
    key = schema_cache.key("models", "server", {"spec": "x"})
    schema_cache.store(key, schema_cache.Entry(_schema(1)), files=[str(tmp_path / "gone.py")])
    assert schema_cache.load(key) is None
    assert not list(own_cache.glob("*.json"))


def test_racing_writers_and_readers_see_whole_entries(own_cache: Path) -> None:
    key = schema_cache.key("migrations", "server", {"race": True})
    sizes = {1, 50, 200}
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        for _ in range(10):
            schema_cache.store(key, schema_cache.Entry(_schema(n)))

    def read() -> None:
        try:
            for _ in range(40):
                found = schema_cache.load(key)
                if found is not None:
                    seen.append(len(found.schema.tables))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in sizes]
    threads += [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert set(seen) <= sizes  # never half an entry
    assert [p.name for p in own_cache.iterdir()] == [f"{key}.json"]  # no temporary file left


def test_a_folder_others_may_write_to_is_not_used(own_cache: Path) -> None:
    own_cache.mkdir(parents=True)
    os.chmod(own_cache, 0o777)
    key = schema_cache.key("migrations", "server", {"m": 2})
    schema_cache.store(key, schema_cache.Entry(_schema(1)))
    assert schema_cache.load(key) is None
    assert not list(own_cache.iterdir())


def test_old_entries_are_pruned(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_cache, "KEEP", 3)
    for i in range(6):
        schema_cache.store(schema_cache.key("migrations", "server", {"i": i}), schema_cache.Entry(_schema(1)))
    assert len(list(own_cache.glob("*.json"))) == 3
