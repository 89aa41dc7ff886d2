"""The data guard on a real server: each destructive statement runs on an empty table, is refused on a
filled one (file rolled back, ``up`` exits 1 naming file, statement, table and rows), and runs with the marker."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.migrate import discover, ledger, up
from pgwarden.migrate.errors import DataLossRefused
from pgwarden.migrate.settings import Settings
from pgwarden.urls import with_dbname

BASE = (
    "CREATE TABLE notes (id bigint PRIMARY KEY, body text, price numeric(10,2), tag varchar(50));\n"
    "CREATE TABLE keep (id int);\n"
)

CASES = {
    "drop_table": ("DROP TABLE notes;", "DROP TABLE public.notes"),
    "drop_column": ("ALTER TABLE notes DROP COLUMN body;", "DROP COLUMN public.notes.body"),
    "truncate": ("TRUNCATE notes;", "TRUNCATE public.notes"),
    "delete": ("DELETE FROM notes;", "DELETE without WHERE public.notes"),
    "update": ("UPDATE notes SET body = NULL;", "UPDATE without WHERE public.notes"),
    "narrow_numeric": (
        "ALTER TABLE notes ALTER COLUMN price TYPE integer;",
        "ALTER COLUMN … TYPE public.notes.price",
    ),
    "narrow_varchar": (
        "ALTER TABLE notes ALTER COLUMN tag TYPE varchar(3) USING left(tag, 3);",
        "ALTER COLUMN … TYPE public.notes.tag",
    ),
    "drop_schema": (
        "CREATE SCHEMA old; CREATE TABLE old.t AS SELECT * FROM notes; DROP SCHEMA old CASCADE;",
        "old.t",
    ),
}


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def fill(url: str, n: int) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO notes SELECT i, 'note ' || i, i + 0.25, 'tag-' || i FROM generate_series(1, %s) i",
            (n,),
        )


def count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM notes").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    write(migrations, "001_notes.sql", BASE)
    return migrations


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_destructive_statement_empty_filled_and_marked(db_url: str, folder: Path, case: str) -> None:
    statement, what = CASES[case]
    assert up(db_url, discover(folder)).ok
    write(folder, "002_change.sql", f"SELECT 1;\n{statement}\n")
    write(folder, "003_after.sql", "CREATE TABLE after (id int);\n")
    fill(db_url, 7)
    result = up(db_url, discover(folder))
    assert isinstance(result.error, DataLossRefused), result.error
    assert result.applied == [] and result.failed is not None and result.failed.version == 2
    message = str(result.error)
    assert "002_change.sql:2:" in message and what in message and "7 row(s)" in message
    assert "-- pgwarden: destructive" in message
    assert count(db_url) == 7  # rolled back, nothing after it ran
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('after')").fetchone() == (None,)
        assert conn.execute("SELECT to_regnamespace('old')").fetchone() == (None,)
    with psycopg.connect(db_url) as conn:
        recorded = ledger.read(conn)
    assert not recorded[2].success and "refused" in (recorded[2].error or "")
    # The marker says it is meant: the file runs.
    write(
        folder,
        "002_change.sql",
        f"-- pgwarden: destructive -- test: {case} is meant\nSELECT 1;\n{statement}\n",
    )
    assert up(db_url, discover(folder)).ok


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_empty_table_runs_without_the_marker(db_url: str, folder: Path, case: str) -> None:
    statement, _ = CASES[case]
    write(folder, "002_change.sql", f"{statement}\n")
    result = up(db_url, discover(folder))
    assert result.ok, result.error


def test_a_widening_change_and_a_where_run_on_a_filled_table(db_url: str, folder: Path) -> None:
    assert up(db_url, discover(folder)).ok
    fill(db_url, 5)
    write(
        folder,
        "002_safe.sql",
        "ALTER TABLE notes ALTER COLUMN tag TYPE text;\nALTER TABLE notes ALTER COLUMN id TYPE numeric;\n"
        "DELETE FROM notes WHERE id > 100;\nUPDATE notes SET body = body WHERE true;\n",
    )
    assert up(db_url, discover(folder)).ok and count(db_url) == 5


def test_the_guard_sees_rows_the_same_file_inserted(db_url: str, folder: Path) -> None:
    write(folder, "002_fill_then_drop.sql", "INSERT INTO keep VALUES (1);\nDROP TABLE keep;\n")
    result = up(db_url, discover(folder))
    assert isinstance(result.error, DataLossRefused) and "1 row(s)" in str(result.error)


def test_data_guard_off_and_allow_data_loss(db_url: str, folder: Path) -> None:
    assert up(db_url, discover(folder)).ok
    fill(db_url, 3)
    write(folder, "002_drop.sql", "DELETE FROM notes;\n")
    assert up(db_url, discover(folder), settings=Settings(data_guard=False)).ok
    assert count(db_url) == 0
    fill(db_url, 3)
    write(folder, "003_drop.sql", "TRUNCATE notes;\n")
    assert up(db_url, discover(folder), settings=Settings(allow_data_loss=True)).ok


def test_no_transaction_files_are_guarded_statement_by_statement(db_url: str, folder: Path) -> None:
    assert up(db_url, discover(folder)).ok
    fill(db_url, 2)
    write(folder, "002_nt.sql", "-- pgwarden: no-transaction\nCREATE TABLE t2 (id int);\nDROP TABLE notes;\n")
    result = up(db_url, discover(folder))
    assert isinstance(result.error, DataLossRefused) and "earlier statements stay applied" in str(
        result.error
    )
    assert count(db_url) == 2


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["migrate", *argv], out, err), out.getvalue(), err.getvalue()


def test_the_cli_exits_1_with_a_pw211_finding_and_the_flag_lets_it_run(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder.parent)
    assert cli("up", "--db", db_url, "--migrations", str(folder))[0] == 0
    fill(db_url, 300)
    write(folder, "002_drop.sql", "DROP TABLE notes;\n")
    code, out, _ = cli("up", "--db", db_url, "--migrations", str(folder), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and not doc["ok"]
    (found,) = doc["findings"]
    assert found["code"] == "PW211" and found["evidence"]["losses"][0]["rows"] == 300
    assert found["object"] == "migrations/002_drop.sql:1:1"
    code, out, _ = cli("up", "--db", db_url, "--migrations", str(folder))
    assert code == 1 and "PW211" in out and "300 row(s)" in out
    assert count(db_url) == 300
    code, _, err = cli("up", "--db", db_url, "--migrations", str(folder), "--allow-data-loss")
    assert code == 0, err


def test_a_marker_without_a_reason_is_exit_2_and_nothing_runs(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder.parent)
    write(folder, "002_drop.sql", "-- pgwarden: destructive\nDROP TABLE notes;\n")
    code, out, err = cli("up", "--db", db_url, "--migrations", str(folder))
    assert code == 2 and "needs a reason" in err and "Traceback" not in err
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('notes')").fetchone() == (None,)


def _snapshot(url: str) -> tuple[object, ...]:
    with psycopg.connect(url) as conn:
        schema = conn.execute(
            "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY 1) "
            "FROM information_schema.columns WHERE table_schema = 'public'"
        ).fetchone()
        notes = conn.execute(
            "SELECT count(*), sum(id), string_agg(tag, ',' ORDER BY id) FROM notes"
        ).fetchone()
        ledger_rows = conn.execute(
            "SELECT version, success, checksum FROM pgwarden.migrations ORDER BY 1"
        ).fetchall()
        audit = conn.execute("SELECT count(*) FROM pgwarden.migration_audit").fetchone()
    return schema, notes, ledger_rows, audit


def test_dry_run_touches_nothing_and_puts_destructive_files_first(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder.parent)
    assert up(db_url, discover(folder)).ok
    fill(db_url, 12)
    write(folder, "002_add.sql", "ALTER TABLE notes ADD COLUMN extra int;\n")
    write(folder, "003_drop.sql", "ALTER TABLE notes DROP COLUMN body;\nDROP TABLE notes;\n")
    write(
        folder, "004_more.sql", "-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY n_tag ON keep (id);\n"
    )
    before = _snapshot(db_url)
    dev = with_dbname(db_url, "postgres")
    code, out, err = cli("up", "--db", db_url, "--migrations", str(folder), "--dry-run", "--dev-url", dev)
    assert code == 1, (out, err)
    lines = out.splitlines()
    assert lines[1].split()[0] == "003_drop.sql" and "REFUSED" in lines[1]
    assert "DROP TABLE public.notes: 12 row(s) at stake" in out and "DROP COLUMN public.notes.body: 12" in out
    assert "would stop at 003_drop.sql" in out
    code, out, _ = cli(
        "up", "--db", db_url, "--migrations", str(folder), "--dry-run", "--dev-url", dev, "--format", "json"
    )
    doc = json.loads(out)
    assert doc["would_refuse"] == ["003_drop.sql"] and [f["version"] for f in doc["files"]] == [3, 2, 4]
    assert _snapshot(db_url) == before
    with psycopg.connect(db_url) as conn:  # nothing ran on live, not even inside a rolled-back transaction
        row = conn.execute(
            "SELECT n_tup_del + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'notes'"
        ).fetchone()
        assert row == (0,)


def test_the_gate_and_verify_do_not_advise_up_while_it_would_refuse(db_url: str, folder: Path) -> None:
    from pgwarden.migrate import ensure_ready, verify
    from pgwarden.migrate.errors import PendingMigrations

    assert up(db_url, discover(folder)).ok
    fill(db_url, 4)
    write(folder, "002_drop.sql", "DROP TABLE notes;\n")
    with pytest.raises(PendingMigrations) as info:
        ensure_ready(db_url, folder, timeout=1)
    message = str(info.value)
    assert (
        "would refuse 002_drop.sql" in message
        and "4 row(s)" in message
        and "Run `pgwarden migrate up`" not in message
    )
    (found,) = verify(db_url, discover(folder))
    assert found.kind == "pending_migration" and "would refuse it" in found.message
    assert "destructive" in found.hint and found.evidence["would_lose"][0]["rows"] == 4
    write(
        folder,
        "002_drop.sql",
        "-- pgwarden: destructive -- notes moved to the archive db\nDROP TABLE notes;\n",
    )
    with pytest.raises(PendingMigrations, match="Run `pgwarden migrate up`"):
        ensure_ready(db_url, folder, timeout=1)
