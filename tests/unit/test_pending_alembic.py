"""Objects a pending Alembic revision creates get `migrate up`, not live SQL: read from ``upgrade()`` by ``ast``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from pgwarden.findings import Finding, Severity
from pgwarden.migrate.alembic_creates import created
from pgwarden.pending_fixes import defer_to_pending

FIXTURE = Path(__file__).resolve().parents[2] / "examples" / "alembic_bot"

REVISION = '''"""indexes and a view"""
from alembic import op
import sqlalchemy as sa

revision = "aa11"
down_revision = "e2d8a1f4b905"


def upgrade() -> None:
    op.create_index(op.f("ix_reminders_due_at"), "reminders", ["due_at"], unique=False)
    op.create_unique_constraint(constraint_name="uq_users_username", table_name="users", columns=["username"])
    op.create_table("notes", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("body", sa.Text()))
    op.add_column(table_name="users", column=sa.Column("timezone", sa.Text()))
    op.execute(sa.text("CREATE VIEW active_users AS SELECT id FROM users"))
    op.execute("CREATE SEQUENCE ticket_seq")
    op.alter_column("users", "tz", new_column_name="time_zone", existing_type=sa.Text())
    op.alter_column("users", "name", nullable=False)
    op.rename_table("memo", "memos")


def downgrade() -> None:
    op.drop_index("ix_users_gone", table_name="users")
    op.create_table("downgrade_only")
'''


def missing(obj: str, kind: str = "missing_table") -> Finding:
    return Finding(
        "PW101",
        kind,
        Severity.ERROR,
        obj,
        "m",
        fix_sql=f"-- live SQL for {obj}",
        evidence={"where": "migrations_vs_live"},
    )


def pending(revision: str) -> Finding:
    return Finding(
        "PW206", "pending_migration", Severity.WARNING, "x.py", "p", evidence={"revision": revision}
    )


def test_upgrade_names_are_read_from_the_op_calls_and_downgrade_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "009_more.py"
    path.write_text(REVISION)
    made = created(path)
    assert made.names == {
        "ix_reminders_due_at",
        "uq_users_username",
        "notes",
        "notes.id",
        "notes.body",
        "users.timezone",
        "users.time_zone",
        "memos",
    }
    assert made.sql == ["CREATE VIEW active_users AS SELECT id FROM users", "CREATE SEQUENCE ticket_seq"]
    (tmp_path / "broken.py").write_text("def upgrade(:\n")
    assert created(tmp_path / "broken.py").names == set()


def test_findings_for_objects_pending_revisions_create_say_migrate_up(tmp_path: Path) -> None:
    root = tmp_path / "bot"
    shutil.copytree(FIXTURE, root)
    (root / "migrations" / "versions" / "009_more.py").write_text(REVISION)
    ledger = [pending("0b9f5e27c6d3"), pending("aa11")]  # 004 (reminders) and the new one
    found = [
        missing("public.reminders"),
        missing("public.users.timezone", "missing_column"),
        missing("public.reminders.ix_reminders_due_at", "missing_index"),
        missing("public.active_users", "missing_view"),
        missing("public.ticket_seq", "missing_sequence"),
        missing("public.other"),  # nothing pending creates it
        missing("public.downgrade_only"),  # only downgrade() names it
    ]
    out = {f.object: f for f in defer_to_pending(found, ledger, root / "alembic.ini")}
    assert out["public.reminders"].hint.startswith(
        "Alembic revision 0b9f5e27c6d3 (004_create_reminders.py) is pending and creates it: run `pgwarden migrate up`"
    )
    for obj in (
        "public.users.timezone",
        "public.reminders.ix_reminders_due_at",
        "public.active_users",
        "public.ticket_seq",
    ):
        assert (
            out[obj].fix_sql is None and out[obj].evidence["pending"] == "Alembic revision aa11 (009_more.py)"
        )
        assert out[obj].evidence["live_sql"] == f"-- live SQL for {obj}"
    assert out["public.other"].fix_sql and out["public.downgrade_only"].fix_sql
    rename = replace(missing("public.users.time_zone", "probable_rename"), evidence={"where": "three_way"})
    [renamed] = defer_to_pending([rename], ledger, root / "alembic.ini")
    assert renamed.fix_sql is None and renamed.hint.startswith(
        "Alembic revision aa11 (009_more.py) is pending and renames to it: run `pgwarden migrate up`"
    )
    assert renamed.hint.endswith(
        "not SQL by hand, which would make that file fail: the old name would be gone."
    )
    # Only revisions the ledger says are pending count: 003 added users.language long ago.
    assert defer_to_pending(
        [missing("public.users.language", "missing_column")], ledger, root / "alembic.ini"
    )[0].fix_sql


def test_the_alembic_match_does_not_import_alembic_or_sqlalchemy() -> None:
    code = (
        "import sys; from pathlib import Path; from pgwarden.pending_fixes import defer_to_pending;"
        "from pgwarden.findings import Finding, Severity;"
        f"f = Finding('PW101', 'missing_table', Severity.ERROR, 'public.reminders', 'm', fix_sql='x', evidence={{'where': 'migrations_vs_live'}});"
        "p = Finding('PW206', 'pending_migration', Severity.WARNING, 'x', 'p', evidence={'revision': '0b9f5e27c6d3'});"
        f"[d] = defer_to_pending([f], [p], Path({str(FIXTURE / 'alembic.ini')!r}));"
        "assert d.fix_sql is None, d;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'sqlalchemy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
