"""Hints on Alembic revisions speak Alembic (``op.execute("SET LOCAL …")``, ``autocommit_block``), and
following them silences the finding."""

from __future__ import annotations

from pathlib import Path

from test_lint_alembic import project, revision

from pgwarden.config import Config
from pgwarden.lint.alembic import lint_alembic
from pgwarden.lint.alembic_hints import alembic_hint
from pgwarden.lint.settings import settings_from

__all__ = ["project"]  # the fixture, imported for pytest

RENAME = "migrations/versions/008_rename_started_at_to_created_at.py"


def codes_at(project: Path, file: str) -> dict[str, str]:
    found = lint_alembic(project / "alembic.ini", settings_from(Config()))
    return {f.code: f.hint for f in found if f.object.startswith(file)}


def test_timeout_hints_name_op_execute_set_local_and_the_runner_option(project: Path) -> None:
    hints = codes_at(project, RENAME)
    assert "op.execute(\"SET LOCAL lock_timeout = '5s'\")" in hints["missing-lock-timeout"]
    assert "[migrate] lock_timeout" in hints["missing-lock-timeout"]
    assert "-- pgwarden:" not in hints["missing-lock-timeout"]
    assert "SET LOCAL statement_timeout" in hints["missing-statement-timeout"]


def test_following_the_hint_silences_the_timeout_findings(project: Path) -> None:
    revision(
        project,
        "009_note.py",
        "aa11bb22cc33",
        "e2d8a1f4b905",
        "    op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"
        "    op.execute(\"SET LOCAL statement_timeout = '1min'\")\n"
        "    op.add_column('users', sa.Column('note', sa.Text()))",
    )
    hints = codes_at(project, "migrations/versions/009_note.py")
    assert "missing-lock-timeout" not in hints and "missing-statement-timeout" not in hints


def test_index_and_destructive_hints_are_in_alembic_terms() -> None:
    assert "postgresql_concurrently=True" in alembic_hint("index-without-concurrently", "")
    assert "if_not_exists=True" in alembic_hint("non-robust-statement", "")
    assert "autocommit_block" in alembic_hint("concurrently-in-transaction", "")
    said = alembic_hint(
        "drop-table",
        "Drop it later. When the rows may go, say so at the top of the file with `-- pgwarden: destructive -- "
        "<why>`: `pgwarden migrate up` refuses a file that would lose rows without it (PW211).",
    )
    assert "`# pgwarden: destructive -- <why>`" in said and "refuses a revision" in said
