"""Alembic projects end to end on real PostgreSQL and real Alembic: check, migrate status/up/test, bad input.

The fixture ``examples/alembic_bot`` is shaped like a real bot: a ``src/`` package with a
settings module that prints on import and builds its URL from ``DB_HOST``-style parts, and
``alembic.ini`` + ``env.py`` from ``alembic init -t async``. pgwarden never runs that ``env.py``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from trace_helpers import sent, traced_connections

from pgwarden.cli import main
from pgwarden.errors import SourceError
from pgwarden.migrate.alembic_run import run_chain, sa_connection
from pgwarden.migrate.alembic_scripts import find_alembic, load_chain
from pgwarden.migrate.sources import open_source

FIXTURE = Path(__file__).resolve().parents[3] / "examples" / "alembic_bot"
HEAD = "e2d8a1f4b905"
ORDER = ["3f1c2a9b7d01", "8a4e0c6d2f12", "c57d91e3a4b8", "0b9f5e27c6d3", HEAD]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(FIXTURE, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return root


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def versions(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]


def upgrade_to(url: str, project: Path, target: str) -> None:
    chain = load_chain(project / "alembic.ini")
    with sa_connection(url) as conn:
        run_chain(conn, chain, target=target, guarded=False)


def add_revision(project: Path, name: str, rev: str, down: str | tuple[str, ...], body: str) -> Path:
    path = project / "migrations" / "versions" / name
    path.write_text(
        f'"""{name[4:-3].replace("_", " ")}\n\nRevision ID: {rev}\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n    raise AssertionError('never run')\n"
    )
    return path


def body_line(path: Path) -> int:
    """The line of the revision's first ``op.`` call."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("    op."))


def test_the_chain_is_read_in_order_with_ids_checksums_and_heads(project: Path) -> None:
    source = open_source(project / "alembic.ini")
    assert source.kind == "alembic"
    assert [m.id for m in source.migrations()] == ORDER
    assert source.migrations()[-1].name == "rename started_at to created_at"
    assert all(len(m.checksum) == 64 for m in source.migrations())
    assert open_source(project / "migrations").kind == "alembic"  # the script folder works too
    assert find_alembic(project) == project / "alembic.ini"


def test_up_status_and_a_clean_three_way_check(project: Path, db_url: str) -> None:
    code, out, _ = run("migrate", "status", "--db", db_url)
    assert code == 0 and "0 applied, 5 pending" in out and "008_rename_started_at_to_created_at.py" in out
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    assert "applied 5 of 5 pending Alembic revision(s)" in out and "applied e2d8a1f4b905" in err
    assert versions(db_url) == [HEAD]  # alembic_version is the ledger, as Alembic keeps it
    with psycopg.connect(db_url) as conn:
        cols = [
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'conversations'::regclass AND attnum > 0"
            )
        ]
    assert "created_at" in cols and "started_at" not in cols
    code, out, err = run("migrate", "up", "--db", db_url, "--format", "json")
    assert code == 0 and out, err
    assert json.loads(out)["applied"] == [] and json.loads(out)["pending_before"] == 0
    code, out, err = run("check", "--db", db_url, "--format", "json")
    assert out, f"exit {code}, no report; stderr: {err}"
    doc = json.loads(out)  # the settings module's print() never reaches stdout
    assert code == 0, doc
    assert doc["findings"] == [] and "alembic.ini" in doc["sources"]
    # diff agrees: the live alembic_version is Alembic's bookkeeping, not an extra table
    code, out, err = run("diff", "--from", "migrations:alembic.ini", "--to", db_url, "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == [], out + err
    assert doc["alembic_heads"] == {"alembic.ini": [HEAD]}  # a user thinks in revisions, not folders


def test_check_names_pending_revisions_and_the_live_revision(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, "0b9f5e27c6d3")  # deployed before the rename (incident 000)
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 1
    pending = [f for f in doc["findings"] if f["kind"] == "pending_migration"]
    assert [f["evidence"]["revision"] for f in pending] == [HEAD]
    assert pending[0]["object"].endswith("008_rename_started_at_to_created_at.py")
    assert pending[0]["evidence"]["current"] == ["0b9f5e27c6d3"]
    assert any("started_at" in f["message"] or "created_at" in f["message"] for f in doc["findings"])
    assert not any(
        "alembic_version" in f["object"] for f in doc["findings"] if f["kind"] != "pending_migration"
    )
    # Incident 000: the pending revision renames the column; live SQL would make it fail.
    [rename] = [f for f in doc["findings"] if f["kind"] == "probable_rename"]
    assert rename["fix_sql"] is None and rename["evidence"]["pending"].startswith(f"Alembic revision {HEAD} ")
    assert "RENAME COLUMN" in rename["evidence"]["live_sql"]
    drift = [f for f in doc["findings"] if f["evidence"].get("source") == "alembic.ini"]
    assert drift and all(f["evidence"]["alembic_heads"] == [HEAD] for f in drift)
    code, text, _ = run("check", "--db", db_url)
    assert (
        f"against reminder_bot.db.models:Base, alembic.ini (Alembic head {HEAD})\n"
        in text.splitlines(True)[0]
    )
    assert f"is in the migrations (alembic.ini, Alembic head {HEAD}) but the database has" in text
    code, out, _ = run("diff", "--from", "migrations:alembic.ini", "--to", db_url, "--sql")
    assert out.startswith(f"-- pgwarden diff: turns alembic.ini (Alembic head {HEAD}) into ")
    code, out, _ = run("diff", "--from", "migrations:alembic.ini", "--to", db_url, "--format", "json")
    assert json.loads(out)["from"] == "alembic.ini" and json.loads(out)["alembic_heads"] == {
        "alembic.ini": [HEAD]
    }
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    alembic = json.loads(out)["alembic"]
    assert (
        code == 0
        and alembic["current"] == ["0b9f5e27c6d3"]
        and [m["id"] for m in alembic["pending"]] == [HEAD]
    )


def test_a_database_at_a_revision_the_scripts_do_not_know(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, HEAD)
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff00001111'")
    code, out, _ = run("migrate", "status", "--db", db_url)
    assert code == 1 and "ffff00001111  unknown" in out
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 2 and "ffff00001111" in err and "nothing was applied" in err
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    kinds = {f["kind"] for f in json.loads(out)["findings"]}
    assert "database_ahead" in kinds


def test_a_failing_revision_names_file_line_and_server_error_and_keeps_earlier_ones(
    project: Path, db_url: str
) -> None:
    bad = add_revision(
        project,
        "009_index_chat.py",
        "aa11bb22cc33",
        HEAD,
        "    op.create_index('ix_chat', 'users', ['chat_id'])",
    )
    add_revision(
        project,
        "010_later.py",
        "bb22cc33dd44",
        "aa11bb22cc33",
        "    op.create_table('later', sa.Column('id', sa.Integer))",
    )
    code, out, err = run("migrate", "up", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and not doc["ok"] and len(doc["applied"]) == 5
    failure = doc["findings"][0]
    assert failure["kind"] == "failed_migration"
    assert failure["object"] == f"migrations/versions/{bad.name}:{body_line(bad)}:1"
    assert (
        "chat_id" in failure["message"]
        and "42703" in failure["message"]
        and "aa11bb22cc33" in failure["message"]
    )
    assert versions(db_url) == [HEAD]  # the failing revision rolled back, the earlier ones stay


def test_a_revision_whose_migrator_lost_the_lock_commits_nothing(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, HEAD)
    add_revision(
        project,
        "009_stolen.py",
        "aa11bb22cc33",
        HEAD,
        "    import psycopg\n"
        f"    with psycopg.connect({db_url!r}, autocommit=True) as thief:\n"
        "        thief.execute('UPDATE pgwarden.locks SET token = token + 1')\n"
        "    op.create_table('stolen', sa.Column('id', sa.Integer))",
    )
    code, out, err = run("migrate", "up", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and not doc["ok"] and doc["applied"] == []
    assert "Lost the migration lock" in doc["findings"][0]["message"], doc
    assert versions(db_url) == [HEAD]  # the fence failed the revision's transaction: nothing of it stays
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('stolen')").fetchone() == (None,)
        assert conn.execute(
            "SELECT count(*) FROM pgwarden.alembic_revisions WHERE revision = 'aa11bb22cc33'"
        ).fetchone() == (0,)


def test_the_fence_and_pgwardens_row_go_in_one_round_trip(project: Path, db_url: str, tmp_path: Path) -> None:
    upgrade_to(db_url, project, ORDER[2])
    with traced_connections(tmp_path) as traces:
        code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    messages = [m for path in traces for m in sent(path)]
    fences = [
        i
        for i, (kind, text) in enumerate(messages)
        if kind == "Parse" and "FROM pgwarden.locks WHERE name = $2 FOR UPDATE" in text
    ]
    assert len(fences) == 2  # the two pending revisions
    for at in fences:
        row = next(i for i in range(at, len(messages)) if "pgwarden.alembic_revisions" in messages[i][1])
        between = [kind for kind, _ in messages[at:row]]
        assert "Sync" not in between and "Query" not in between, messages[at:row]


def test_the_data_guard_refuses_an_alembic_drop_of_rows(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, HEAD)
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO users (id, username) VALUES (1, 'ann'), (2, 'bob')")
    path = add_revision(
        project, "009_drop_username.py", "aa11bb22cc33", HEAD, "    op.drop_column('users', 'username')"
    )
    code, out, _ = run("migrate", "up", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 1
    refused = doc["findings"][0]
    assert refused["kind"] == "data_loss_refused" and refused["object"].startswith(
        f"migrations/versions/{path.name}:{body_line(path)}:"
    )
    assert "2 row(s)" in refused["message"]
    assert versions(db_url) == [HEAD]
    path.write_text(
        path.read_text().replace(
            '"""drop username', '"""drop username\n# pgwarden: destructive -- the column was never shown'
        )
    )
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0, out + err
    assert versions(db_url) == ["aa11bb22cc33"]


def test_branches_and_a_merge_are_applied_once_each(project: Path, db_url: str) -> None:
    add_revision(
        project, "009_a.py", "a000000000a1", HEAD, "    op.add_column('users', sa.Column('a', sa.Integer))"
    )
    add_revision(
        project, "010_b.py", "b000000000b1", HEAD, "    op.add_column('users', sa.Column('b', sa.Integer))"
    )
    code, out, _ = run("migrate", "status", "--db", db_url)
    assert "2 heads" in out
    add_revision(project, "011_merge.py", "c000000000c1", ("a000000000a1", "b000000000b1"), "    pass")
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    assert "applied 8 of 8" in out
    assert versions(db_url) == ["c000000000c1"]


def test_eight_concurrent_migrators_apply_each_revision_once(project: Path, db_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "pgwarden", "migrate", "up", "--format", "json"]
    with ThreadPoolExecutor(8) as pool:
        runs = list(
            pool.map(
                lambda _: subprocess.run(
                    cmd, cwd=project, env=env, capture_output=True, text=True, timeout=240
                ),
                range(8),
            )
        )
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    applied = [len(json.loads(r.stdout)["applied"]) for r in runs]
    assert sorted(applied) == [0] * 7 + [5]
    assert versions(db_url) == [HEAD]


def test_migrate_test_catches_a_chain_that_fails_on_a_legacy_schema(project: Path, db_url: str) -> None:
    legacy = project / "legacy"
    legacy.mkdir()
    # A database made before Alembic was adopted: users exists, without username.
    (legacy / "2025_prod.sql").write_text("CREATE TABLE public.users (id bigint PRIMARY KEY);\n")
    code, out, _ = run("migrate", "test", "--format", "json")
    assert code == 0, out
    code, out, _ = run("migrate", "test", "--legacy", str(legacy), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    failure = next(f for f in doc["findings"] if f["kind"] == "legacy_migration_failure")
    assert failure["object"].startswith("migrations/versions/001_create_users.py:")
    assert "42P07" in failure["message"]


def test_bad_input_is_one_sentence_naming_the_revision(project: Path, db_url: str) -> None:
    broken = add_revision(project, "009_broken.py", "aa11bb22cc33", HEAD, "    op.add_column('users'")
    code, _, err = run("migrate", "status", "--db", db_url)
    assert code == 2 and "009_broken.py" in err and "Traceback" not in err
    broken.unlink()
    add_revision(
        project, "009_raises.py", "aa11bb22cc33", HEAD, "    pass\nraise RuntimeError('settings missing')"
    )
    code, _, err = run("check", "--db", db_url)
    assert code == 2 and "009_raises.py" in err and "settings missing" in err
    with pytest.raises(SourceError, match="does not exist"):
        load_chain(project / "nowhere.ini")
    before = sorted((project / "migrations" / "versions").iterdir())
    code, out, err = run(
        "migrate", "new", "add_things"
    )  # writes through Alembic, which reads the chain first
    assert code == 2 and "009_raises.py" in err and "settings missing" in err and out == ""
    assert sorted((project / "migrations" / "versions").iterdir()) == before


def test_a_print_at_import_time_keeps_json_output_valid(project: Path, db_url: str) -> None:
    add_revision(
        project, "009_noisy.py", "aa11bb22cc33", HEAD, "    print('upgrading!')\n    op.execute('SELECT 1')"
    )
    first = project / "migrations" / "versions" / "001_create_users.py"
    first.write_text("print('imported 001')\n" + first.read_text())
    env = {**os.environ, "DATABASE_URL": db_url}
    for argv in (
        ["migrate", "up", "--format", "json"],
        ["check", "--format", "json"],
        ["migrate", "status", "--format", "json"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "pgwarden", *argv],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        json.loads(done.stdout)
        # status reads a chain of plain literals without importing it (nothing printed then)
        assert "imported 001" in done.stderr or argv[0:2] == ["migrate", "status"], argv


def test_the_schema_gate_knows_alembic_head(project: Path, db_url: str) -> None:
    from pgwarden.migrate.errors import PendingMigrations
    from pgwarden.migrate.ready import ensure_ready

    upgrade_to(db_url, project, "c57d91e3a4b8")
    with pytest.raises(
        PendingMigrations, match=r"2 Alembic revision\(s\) pending \(0b9f5e27c6d3 \(create reminders\)"
    ):
        ensure_ready(db_url, project / "alembic.ini")
    result = ensure_ready(db_url, project / "alembic.ini", apply=True)
    assert result is not None and [s.filename for s in result.applied] == [
        "004_create_reminders.py",
        "008_rename_started_at_to_created_at.py",
    ]
    assert ensure_ready(db_url, project / "alembic.ini") is None


def test_without_alembic_installed_the_error_names_the_extra(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgwarden.errors import UsageError

    for name in [n for n in sys.modules if n == "alembic" or n.startswith("alembic.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "alembic", None)
    with pytest.raises(UsageError, match=r"pgwarden\[alembic\]"):
        load_chain(project / "alembic.ini")


def test_a_data_migration_that_needs_rows_is_named_when_check_builds_the_chain(
    project: Path, db_url: str
) -> None:
    add_revision(
        project,
        "009_backfill.py",
        "aa11bb22cc33",
        HEAD,
        "    op.execute(\"DO $$ BEGIN IF (SELECT count(*) FROM users) = 0 THEN RAISE EXCEPTION 'no users'; END IF; END $$\")",
    )
    code, out, err = run("check", "--db", db_url)
    assert code == 2 and "Traceback" not in err
    assert "009_backfill.py:15:1: revision aa11bb22cc33" in err and "no users" in err
    assert "empty scratch database" in err


def test_a_table_a_pending_revision_creates_gets_migrate_up_not_live_sql(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, "c57d91e3a4b8")  # 004 (create reminders) and 008 are pending
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    assert code == 1
    found = {f["object"]: f for f in json.loads(out)["findings"]}
    reminders = found["public.reminders"]
    assert reminders["fix_sql"] is None and "CREATE TABLE" in reminders["evidence"]["live_sql"]
    assert reminders["hint"].startswith(
        "Alembic revision 0b9f5e27c6d3 (004_create_reminders.py) is pending and creates it: "
        "run `pgwarden migrate up`"
    )
    assert run("migrate", "up", "--db", db_url)[0] == 0
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, [])
