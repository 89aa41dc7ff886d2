"""The expected-schema cache for Alembic revisions read without Alembic: warm reads start no scratch,
and a project module a revision imports is still part of the key."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgwarden.contract import migrations
from pgwarden.contract.expected import Expected
from pgwarden.scratch import Scratch

pytest.importorskip("alembic")

_REVISION = '''"""Create the table."""
import sqlalchemy as sa
from alembic import op
{extra}
revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table({name}, sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    pass
'''


class Counting:
    def __init__(self, scratch: Scratch) -> None:
        self.scratch = scratch
        self.calls = 0

    def __call__(self) -> Scratch:
        self.calls += 1
        return self.scratch

    def identity(self) -> str:
        return self.scratch.identity()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    yield


def _env(tmp_path: Path, *, extra: str, name: str) -> Path:
    (tmp_path / "mig" / "versions").mkdir(parents=True)
    (tmp_path / "mig" / "env.py").write_text("", encoding="utf-8")
    (tmp_path / "mig" / "versions" / "a1_create.py").write_text(
        _REVISION.format(extra=extra, name=name), encoding="utf-8"
    )
    return tmp_path / "mig"


def _tables(loaded: Expected) -> list[str]:
    return sorted(t.name for t in loaded.schema.tables)


def test_plain_revisions_are_served_warm(scratch: Scratch, tmp_path: Path) -> None:
    where = _env(tmp_path, extra="", name='"plain"')
    cold, warm = Counting(scratch), Counting(scratch)
    first = migrations.load(where, cold, schemas=["public"])
    second = migrations.load(where, warm, schemas=["public"])
    assert (cold.calls, warm.calls) == (1, 0)
    assert first.schema == second.schema
    assert _tables(second) == ["plain"]


def test_a_project_module_a_revision_imports_is_in_the_key(
    scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = tmp_path / "i16b_table_names.py"
    helper.write_text('NAME = "first"\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    where = _env(tmp_path, extra="from i16b_table_names import NAME", name="NAME")
    assert _tables(migrations.load(where, Counting(scratch), schemas=["public"])) == ["first"]
    helper.write_text('NAME = "second"\n', encoding="utf-8")
    monkeypatch.delitem(sys.modules, "i16b_table_names", raising=False)
    again = Counting(scratch)
    assert _tables(migrations.load(where, again, schemas=["public"])) == ["second"]
    assert again.calls == 1
