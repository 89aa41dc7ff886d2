"""``pgwarden migrate new NAME`` on an Alembic environment: a revision written through Alembic, prefilled from the models."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from test_migrate_alembic import HEAD, add_revision, project, run, versions

from pgwarden.migrate.alembic_new import Statement, upgrade_body
from pgwarden.migrate.alembic_scripts import load_chain

__all__ = ["project"]  # the fixture, imported for pytest

MODELS = Path("src") / "reminder_bot" / "db" / "models.py"


def add_to_models(project: Path) -> None:
    """A column with an index on an existing table, and a new table: what a developer adds before a revision."""
    models = project / MODELS
    models.write_text(
        models.read_text().replace(
            "    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))\n",
            "    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))\n"
            "    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)\n\n\n"
            "class Note(Base):\n    __tablename__ = 'notes'\n\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            '    body: Mapped[str] = mapped_column(Text, server_default="it\'s")\n',
            1,
        )
    )


def new_file(out: str, project: Path) -> Path:
    path = project / out.strip()
    assert path.is_file(), out
    return path


def test_the_models_difference_becomes_a_revision_that_status_and_up_pick_up(
    project: Path, db_url: str
) -> None:
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    add_to_models(project)
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    assert code == 1  # the models are ahead of the chain and of live
    code, out, err = run("migrate", "new", "add done_at and notes")
    assert code == 0, err
    path = new_file(out, project)
    assert path.parent == project / "migrations" / "versions" and path.name.endswith(
        "_add_done_at_and_notes.py"
    )
    chain = load_chain(project / "alembic.ini")
    new = chain.revisions[-1]
    assert new.path == path and new.down == (HEAD,) and chain.heads == (new.id,)
    text = path.read_text()
    assert (
        'ADD COLUMN "done_at"' in text and 'CREATE TABLE "public"."notes"' in text and "op.execute(" in text
    )
    assert "raise NotImplementedError" in text and "pgwarden never runs downgrade()" in text
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    assert code == 0 and [m["id"] for m in json.loads(out)["alembic"]["pending"]] == [new.id]
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0 and "applied 1 of 1 pending" in out, err
    assert versions(db_url) == [new.id]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("INSERT INTO notes DEFAULT VALUES RETURNING body").fetchone() == ("it's",)
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []  # the models' difference landed


def test_models_that_agree_with_the_head_give_an_empty_upgrade(project: Path) -> None:
    code, out, err = run("migrate", "new", "nothing yet")
    assert code == 0 and "upgrade() is empty" in err
    text = new_file(out, project).read_text()
    body = text.split("def upgrade()")[1].split("def downgrade()")[0]
    assert "pass" in body and "op." not in body


def test_several_heads_are_refused_naming_alembic_merge(project: Path) -> None:
    add_revision(project, "009_branch.py", "aa11bb22cc33", "0b9f5e27c6d3", "    op.execute('SELECT 1')")
    before = sorted((project / "migrations" / "versions").iterdir())
    code, out, err = run("migrate", "new", "more")
    assert code == 2 and out == ""
    assert "2 heads" in err and "alembic merge heads" in err and "Traceback" not in err
    assert sorted((project / "migrations" / "versions").iterdir()) == before


def test_a_template_without_upgrades_writes_nothing(project: Path) -> None:
    add_to_models(project)  # a body to put in upgrade()
    mako = project / "migrations" / "script.py.mako"
    mako.write_text(mako.read_text().replace('${upgrades if upgrades else "pass"}', "pass"))
    before = sorted((project / "migrations" / "versions").iterdir())
    code, _, err = run("migrate", "new", "x")
    assert code == 2 and "script.py.mako" in err and "${upgrades}" in err
    assert sorted((project / "migrations" / "versions").iterdir()) == before


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        ([], ""),
        ([Statement("SELECT 1;")], "op.execute('SELECT 1;')"),
        (
            [Statement("CREATE INDEX CONCURRENTLY i ON t (c);")],
            "with op.get_context().autocommit_block():\n    op.execute('CREATE INDEX CONCURRENTLY i ON t (c);')",
        ),
        (
            [Statement('ALTER TABLE "t" DROP COLUMN "c";', destructive="drops column t.c")],
            "# destructive (drops column t.c): left for you to decide, uncomment to run it:\n"
            '# op.execute(\'ALTER TABLE "t" DROP COLUMN "c";\')\n\npass',
        ),
        ([Statement("", comment="only a note")], "# only a note\n\npass"),
    ],
)
def test_upgrade_bodies(statements: list[Statement], expected: str) -> None:
    assert upgrade_body(statements) == expected


def test_check_records_a_hand_made_change_as_a_revision_then_baseline_marks_it_applied(
    project: Path, db_url: str
) -> None:
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN lang text")
    models = project / MODELS
    models.write_text(
        models.read_text().replace(
            "    username: Mapped[str | None] = mapped_column(String(64))\n",
            "    username: Mapped[str | None] = mapped_column(String(64))\n"
            "    lang: Mapped[str | None] = mapped_column(Text)\n",
        )
    )
    code, out, err = run("check", "--db", db_url, "--record-migration", "add users lang")
    assert code == 1, err
    written = next((project / "migrations" / "versions").glob("*_add_users_lang.py"))
    new = load_chain(project / "alembic.ini").revisions[-1]
    assert new.path == written and new.down == (HEAD,)
    assert f"Wrote migrations/versions/{written.name} with 1 change(s)" in out, out
    assert f"`pgwarden migrate baseline --revision {new.id}`" in out
    text = written.read_text()
    assert "public.users.lang" in text and 'ADD COLUMN "lang" text' in text and "op.execute(" in text
    assert versions(db_url) == [HEAD]  # nothing applied: the database already has it

    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", new.id)
    assert code == 0 and "stamped it (1 revision(s) counted as applied, none run)" in out, out + err
    assert versions(db_url) == [new.id]
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, []), out
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["alembic"]["pending"] == [] and doc["alembic"]["current"] == [new.id]
    code, out, _ = run("check", "--db", db_url, "--record-migration", "again")
    assert "Nothing to record" in out and not list((project / "migrations" / "versions").glob("*_again.py"))


def test_baseline_forward_refuses_a_revision_the_database_does_not_have(project: Path, db_url: str) -> None:
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    add_to_models(project)
    code, out, err = run("migrate", "new", "add done_at")
    rev = load_chain(project / "alembic.ini").revisions[-1].id
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", rev)
    assert code == 1 and "nothing stamped" in out and versions(db_url) == [HEAD], out + err
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", HEAD)
    assert code == 2 and "already at Alembic revision" in err
