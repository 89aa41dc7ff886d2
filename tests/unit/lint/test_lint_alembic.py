"""Lint on Alembic revisions: rules run on the SQL each revision emits (offline, no database), and
findings point at the revision file and the line of the ``op.*`` call."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pgwarden.config import Config
from pgwarden.lint.alembic import lint_alembic
from pgwarden.lint.settings import settings_from

FIXTURE = Path(__file__).resolve().parents[3] / "examples" / "alembic_bot"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(FIXTURE, root)
    monkeypatch.chdir(root)
    return root


def revision(project: Path, name: str, rev: str, down: str, body: str) -> Path:
    path = project / "migrations" / "versions" / name
    path.write_text(
        f'"""{name}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n    op.drop_table('users')\n"
    )
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_incident_000_rename_is_found_at_the_alter_column_line(project: Path) -> None:
    found = lint_alembic(project / "alembic.ini", settings_from(Config()))
    rename = [f for f in found if f.code == "rename-while-running"]
    path = project / "migrations" / "versions" / "008_rename_started_at_to_created_at.py"
    assert [f.object for f in rename] == [
        f"migrations/versions/008_rename_started_at_to_created_at.py:{line_of(path, 'op.alter_column')}:5"
    ]
    assert rename[0].evidence["revision"] == "e2d8a1f4b905"
    assert "op.alter_column" in rename[0].evidence["source_line"]
    assert all(".py:" in f.object for f in found)  # never the generated SQL


def test_autogenerate_pitfalls_and_do_blocks_are_linted_in_the_revision(project: Path) -> None:
    path = revision(
        project,
        "009_pitfalls.py",
        "aa11bb22cc33",
        "e2d8a1f4b905",
        "    op.create_index('ix_reminders_due_at', 'reminders', ['due_at'])\n"
        "    op.add_column('users', sa.Column('plan', sa.Text(), nullable=False))\n"
        "    op.alter_column('reminders', 'text', type_=sa.String(200))\n"
        "    op.execute('DO $$ BEGIN DROP TABLE conversations; END $$;')",
    )
    found = {(f.code, f.object) for f in lint_alembic(project / "alembic.ini", settings_from(Config()))}
    shown = "migrations/versions/009_pitfalls.py"
    assert ("index-without-concurrently", f"{shown}:{line_of(path, 'create_index')}:5") in found
    assert ("required-column-without-default", f"{shown}:{line_of(path, 'add_column')}:5") in found
    assert ("column-type-change", f"{shown}:{line_of(path, 'alter_column')}:5") in found
    assert ("drop-table", f"{shown}:{line_of(path, 'op.execute')}:5") in found
