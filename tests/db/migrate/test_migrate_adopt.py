"""Adopting databases migrated before pgwarden: foreign ledgers recognised, imported, or refused loudly."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgwarden.migrate import discover, ledger, up, verify
from pgwarden.migrate.adopt import baseline, detect, import_foreign
from pgwarden.migrate.errors import LedgerConflict


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for n in range(1, 5):
        (tmp_path / f"00{n}_step.sql").write_text(f"CREATE TABLE IF NOT EXISTS t{n} (id int);\n")
    return tmp_path


FOREIGN = {
    "applied_migrations": (
        "CREATE TABLE applied_migrations (filename text PRIMARY KEY, applied_at timestamptz DEFAULT now());"
        "INSERT INTO applied_migrations (filename) VALUES ('001_step.sql'), ('002_step.sql');",
        {1: True, 2: True},
    ),
    "dbmate": (
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
        "INSERT INTO schema_migrations VALUES ('1'), ('2'), ('3');",
        {1: True, 2: True, 3: True},
    ),
    "golang-migrate": (
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);"
        "INSERT INTO schema_migrations VALUES (3, true);",
        {3: False},
    ),
    "flyway": (
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), "
        "description varchar(200), script varchar(1000), success boolean NOT NULL);"
        "INSERT INTO flyway_schema_history VALUES (1, '1', 'step', 'V1__step.sql', true), "
        "(2, '2', 'step', 'V2__step.sql', false), (3, NULL, '<< Flyway Schema Creation >>', 'x', true);",
        {1: True, 2: False},
    ),
}


@pytest.mark.parametrize("tool", sorted(FOREIGN))
def test_foreign_ledgers_are_recognised_and_imported(db_url: str, folder: Path, tool: str) -> None:
    setup, versions = FOREIGN[tool]
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(setup)
        [found] = detect(conn)
        assert (found.tool, found.versions) == (tool, versions)
    files = discover(folder)
    # Not adopted yet: verify says so; up refuses to redo version 1 while an entry is failed or dirty.
    finding = verify(db_url, files)[0]
    assert finding.kind == "foreign_ledger" and finding.evidence["tool"] == tool
    if tool in ("golang-migrate", "flyway"):
        with pytest.raises(LedgerConflict, match="failed or dirty"):
            up(db_url, files)
    with psycopg.connect(db_url, autocommit=True) as conn:
        ledger.ensure(conn)
        imported = import_foreign(conn, files, found, ledger.actor())
        rows = ledger.read(conn)
    expected = {1: True, 2: True, 3: False} if tool == "golang-migrate" else versions
    assert imported == sorted(expected)
    assert {v: r.success for v, r in rows.items()} == expected
    assert rows[imported[0]].applied_by["imported_from"].endswith(found.table.split(".")[1])
    result = up(db_url, files)
    # Failed or dirty versions are retried, then the rest runs.
    retried = sorted(v for v, ok in expected.items() if not ok)
    assert [s.version for s in result.applied] == sorted(
        set(retried) | {v for v in range(1, 5) if v not in expected}
    )


def test_alembic_is_reported_not_run(db_url: str, folder: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
        [found] = detect(conn)
        assert (found.tool, found.revision, found.importable) == ("alembic", "ae1027a6acf", False)
        with pytest.raises(LedgerConflict, match="Alembic"):
            import_foreign(conn, discover(folder), found, ledger.actor())
    [finding] = verify(db_url, discover(folder))
    assert "ae1027a6acf" in finding.message and "baseline --version" in finding.hint
    with pytest.raises(LedgerConflict, match="point `migrations` at the project's alembic.ini"):
        up(db_url, discover(folder))


def test_baseline_marks_files_up_to_a_version(db_url: str, folder: Path) -> None:
    files = discover(folder)
    with psycopg.connect(db_url, autocommit=True) as conn:
        ledger.ensure(conn)
        assert baseline(conn, files, 2, ledger.actor()) == [1, 2]
        with pytest.raises(LedgerConflict, match="No migration file has version 9"):
            baseline(conn, files, 9, ledger.actor())
        audit = conn.execute(
            "SELECT action, version, actor ? 'host' FROM pgwarden.migration_audit"
        ).fetchall()
    assert audit == [("baseline", 2, True)]
    assert [s.version for s in up(db_url, files).applied] == [3, 4]


def test_import_refuses_versions_without_files(db_url: str, folder: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_migrations (version varchar PRIMARY KEY)")
        conn.execute("INSERT INTO schema_migrations VALUES ('1'), ('77')")
        ledger.ensure(conn)
        with pytest.raises(LedgerConflict, match="77"):
            import_foreign(conn, discover(folder), detect(conn)[0], ledger.actor())


@pytest.mark.parametrize("tool", ["applied_migrations", "dbmate"])
def test_up_adopts_one_clean_foreign_ledger_and_runs_only_what_is_new(
    db_url: str, folder: Path, tool: str
) -> None:
    setup, versions = FOREIGN[tool]
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(setup)
    files = discover(folder)
    result = up(db_url, files)
    assert result.ok and [s.version for s in result.applied] == [v for v in range(1, 5) if v not in versions]
    with psycopg.connect(db_url) as conn:
        rows = ledger.read(conn)
        audit = conn.execute("SELECT action FROM pgwarden.migration_audit").fetchall()
    assert sorted(rows) == [1, 2, 3, 4] and audit == [("import",)]
