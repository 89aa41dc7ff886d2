"""Other tools' migration folders on a real server: each runs its up parts only, in its tool's own
layout; their ledgers are read and adopted; the aerich bot of issue 25 keeps every row."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.urls import with_dbname

USERS = "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL)"
NOTES = "CREATE TABLE notes (id serial PRIMARY KEY, user_id int REFERENCES users, body text)"
FUNC = "CREATE FUNCTION note_count() RETURNS bigint AS $$\nBEGIN\n  RETURN (SELECT count(*) FROM notes);\nEND;\n$$ LANGUAGE plpgsql"

# Each tool's own sample layout: file names as the tool writes them, its section markers.
LAYOUTS: dict[str, dict[str, str]] = {
    "aerich": {
        "0_20240101120000_init.sql": f"-- upgrade --\n{USERS};\n-- downgrade --\nDROP TABLE users;\n",
        "1_20240102120000_update.sql": f"-- upgrade --\n{NOTES};\n{FUNC};\n-- downgrade --\nDROP TABLE notes;\n",
    },
    "dbmate": {
        "20240101120000_create_users.sql": f"-- migrate:up\n{USERS};\n\n-- migrate:down\nDROP TABLE users;\n",
        "20240102120000_create_notes.sql": f"-- migrate:up\n{NOTES};\n{FUNC};\n\n-- migrate:down\nDROP TABLE notes;\n",
    },
    "goose": {
        "00001_create_users.sql": f"-- +goose Up\n{USERS};\n\n-- +goose Down\nDROP TABLE users;\n",
        "00002_create_notes.sql": (
            f"-- +goose Up\n{NOTES};\n-- +goose StatementBegin\n{FUNC};\n-- +goose StatementEnd\n\n"
            "-- +goose Down\n-- +goose StatementBegin\nDROP FUNCTION note_count();\n-- +goose StatementEnd\n"
            "DROP TABLE notes;\n"
        ),
    },
    "golang-migrate": {
        "000001_create_users.up.sql": f"{USERS};\n",
        "000001_create_users.down.sql": "DROP TABLE users;\n",
        "000002_create_notes.up.sql": f"{NOTES};\n{FUNC};\n",
        "000002_create_notes.down.sql": "DROP TABLE notes;\n",
    },
    "sqlx": {
        "20240101120000_users.up.sql": f"{USERS};\n",
        "20240101120000_users.down.sql": "DROP TABLE users;\n",
        "20240102120000_notes.up.sql": f"{NOTES};\n{FUNC};\n",
        "20240102120000_notes.down.sql": "DROP TABLE notes;\n",
    },
    "flyway": {
        "V1__create_users.sql": f"{USERS};\n",
        "V2__create_notes.sql": f"{NOTES};\n{FUNC};\n",
        "U2__create_notes.sql": "DROP TABLE notes;\n",
    },
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def layout(root: Path, files: dict[str, str]) -> Path:
    folder = root / "migrations"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def fill(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO users (name) SELECT 'user ' || i FROM generate_series(1, 5) i")
        conn.execute(
            "INSERT INTO notes (user_id, body) SELECT 1 + i % 5, 'note' FROM generate_series(1, 10) i"
        )


def counts(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM notes)").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.mark.parametrize("tool", sorted(LAYOUTS))
def test_each_layout_runs_its_up_parts_only(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = layout(tmp_path, LAYOUTS[tool])
    code, out, err = run("migrate", "up", "--db", db_url, "--migrations", str(folder))
    assert code == 0, err
    assert "applied 2 of 2" in out
    fill(db_url)
    code, out, err = run("migrate", "up", "--db", db_url, "--migrations", str(folder), "--format", "json")
    assert code == 0 and json.loads(out)["pending_before"] == 0
    assert counts(db_url) == (5, 10)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT note_count()").fetchone() == (10,)
    # lint reads the up parts only: no drop-table from a down part or a down file.
    code, out, _ = run("lint", str(folder), "--format", "json")
    kinds = {f["kind"] for f in json.loads(out)["findings"]}
    assert "drop-table" not in kinds and "syntax-error" not in kinds
    assert ("down-part" in kinds) == (tool in ("aerich", "dbmate", "goose"))


def aerich_ledger(url: str, files: list[str]) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE aerich (id serial PRIMARY KEY, version varchar(255) NOT NULL, app varchar(100) NOT NULL, "
            "content jsonb NOT NULL DEFAULT '{}')"
        )
        for name in files:
            conn.execute("INSERT INTO aerich (version, app) VALUES (%s, 'models')", (name,))


def test_the_aerich_bot_of_issue_25_keeps_every_row(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fully migrated by aerich 0.5: `migrate up` must adopt aerich's ledger and run nothing."""
    monkeypatch.chdir(tmp_path)
    files = {
        **LAYOUTS["aerich"],
        "2_20240103120000_update.sql": "-- upgrade --\nALTER TABLE users ADD COLUMN email text;\n"
        "-- downgrade --\nALTER TABLE users DROP COLUMN email;\n",
    }
    folder = layout(tmp_path, files)
    with psycopg.connect(db_url) as conn:  # what aerich did: the up parts, and its ledger
        conn.execute(f"{USERS}; {NOTES}; {FUNC}; ALTER TABLE users ADD COLUMN email text;")
    aerich_ledger(db_url, sorted(files))
    fill(db_url)
    code, out, _ = run("migrate", "status", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and "3 applied" in out and "pending" not in out.split("note:")[0], out
    assert "aerich's ledger public.aerich" in out
    code, out, err = run("migrate", "up", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and "nothing to apply." in out, (out, err)
    assert "adopted aerich's ledger" in err
    assert counts(db_url) == (5, 10)
    code, out, _ = run("migrate", "status", "--db", db_url, "--migrations", str(folder), "--format", "json")
    assert {m["state"] for m in json.loads(out)["migrations"]} == {"applied"}


def test_a_dirty_foreign_ledger_is_reported_not_adopted(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = layout(tmp_path, LAYOUTS["golang-migrate"])
    with psycopg.connect(db_url) as conn:
        conn.execute(
            f"{USERS}; CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);"
        )
        conn.execute("INSERT INTO schema_migrations VALUES (2, true)")
    code, _, err = run("migrate", "up", "--db", db_url, "--migrations", str(folder))
    assert code == 2 and "version(s) 2 as failed or dirty" in err
    with psycopg.connect(db_url) as conn:
        # Nothing adopted and no ledger: only the migration lock's own table (pgwarden.locks, a row
        # lock that holds through poolers) exists, since the lock is taken before the ledger is read.
        assert conn.execute("SELECT to_regclass('notes'), to_regclass('pgwarden.migrations')").fetchone() == (
            None,
            None,
        )
        assert conn.execute("SELECT count(*) FROM pgwarden.locks WHERE NOT released").fetchone() == (0,)


LEDGERS = {
    "goose": (
        "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, "
        "tstamp timestamp DEFAULT now());"
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (2, false);",
        ["1"],
    ),
    "sqlx": (
        "CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL, "
        "installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL, checksum bytea NOT NULL, "
        "execution_time bigint NOT NULL);"
        "INSERT INTO _sqlx_migrations VALUES (1, 'users', now(), true, '\\x00', 1);",
        ["1"],
    ),
    "filename ledger": (
        "CREATE TABLE schema_migrations (filename text PRIMARY KEY, applied_at timestamptz DEFAULT now());"
        "INSERT INTO schema_migrations (filename) VALUES ('001_users.sql');",
        ["1"],
    ),
}


@pytest.mark.parametrize("tool", sorted(LEDGERS))
def test_foreign_ledgers_show_as_applied_and_are_imported(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = layout(tmp_path, {"001_users.sql": f"{USERS};\n", "002_notes.sql": f"{NOTES};\n"})
    setup, applied = LEDGERS[tool]
    with psycopg.connect(db_url) as conn:
        conn.execute(f"{USERS}; {setup}")
    code, out, _ = run("migrate", "status", "--db", db_url, "--migrations", str(folder), "--format", "json")
    states = {str(m["version"]): m["state"] for m in json.loads(out)["migrations"]}
    assert states == {"1": "applied", "2": "pending"}, states
    code, out, err = run("migrate", "baseline", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and f"({tool})" in out and "1 version(s) marked applied" in out, (out, err)
    code, out, _ = run("migrate", "up", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and "applied 1 of 1" in out


def test_a_configured_ledger_and_one_with_unexpected_columns(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = layout(tmp_path, {"001_users.sql": f"{USERS};\n", "002_notes.sql": f"{NOTES};\n"})
    with psycopg.connect(db_url) as conn:
        conn.execute(f"{USERS}; CREATE TABLE schema_migrations (id int, what text);")
    code, _, err = run("migrate", "up", "--db", db_url, "--migrations", str(folder))
    assert code == 2 and "public.schema_migrations looks like a migration ledger but has columns" in err
    assert err.count("\n") == 1
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "DROP TABLE schema_migrations; CREATE TABLE ops.runs (script text, at timestamptz)".replace(
                "ops.runs", "public.runs"
            )
        )
        conn.execute("INSERT INTO runs (script) VALUES ('001_users.sql')")
    (tmp_path / "pgwarden.toml").write_text(
        'migrations = "migrations"\n[migrate]\nforeign_ledger = "public.runs"\nforeign_ledger_column = "nope"\n'
    )
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 2 and "has no column nope" in err
    (tmp_path / "pgwarden.toml").write_text(
        'migrations = "migrations"\n[migrate]\nforeign_ledger = "public.runs"\nforeign_ledger_column = "script"\n'
    )
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0 and "applied 1 of 1" in out, (out, err)


def test_check_never_reports_a_ledger_table_as_drift(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = layout(tmp_path, {"001_users.sql": f"{USERS};\n"})
    assert run("migrate", "up", "--db", db_url, "--migrations", str(folder))[0] == 0
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
            "CREATE TABLE aerich (id serial PRIMARY KEY, version text, app text, content jsonb);"
            "CREATE TABLE schema_migrations (filename text PRIMARY KEY, applied_at timestamptz);"
            "CREATE TABLE leftovers (id int);"
        )
    code, out, err = run("check", "--db", db_url, "--migrations", str(folder), "--format", "json")
    found = json.loads(out)["findings"]
    objects = {f["object"] for f in found if f["kind"].startswith("extra_")}
    assert "public.leftovers" in objects, found
    assert not any(t in o for o in objects for t in ("alembic_version", "aerich", "schema_migrations")), (
        objects
    )
    assert not any(
        "DROP TABLE" in (f.get("fix_sql") or "") and "aerich" in (f.get("fix_sql") or "") for f in found
    )


def test_migrate_test_and_check_read_the_up_parts_and_say_so(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = layout(tmp_path, LAYOUTS["dbmate"])
    dev = with_dbname(db_url, "postgres")
    code, out, err = run("migrate", "test", "--migrations", str(folder), "--dev-url", dev)
    assert code == 0, (out, err)
    assert "up parts only, 2 file(s) carry a down part" in out
    assert run("migrate", "up", "--db", db_url, "--migrations", str(folder))[0] == 0
    code, out, err = run(
        "check", "--db", db_url, "--migrations", str(folder), "--dev-url", dev, "--format", "json"
    )
    assert code == 0 and json.loads(out)["findings"] == [], out
