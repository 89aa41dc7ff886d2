"""Discovering migration files: version order, bad names, directives, checksums, statement splitting."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pgwarden.errors import SourceError
from pgwarden.migrate import MigrationFile, discover, statements


def write(folder: Path, name: str, text: str = "SELECT 1;\n", *, raw: bytes | None = None) -> Path:
    path = folder / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_files_come_in_integer_version_order(tmp_path: Path) -> None:
    for name in ("10_ten.sql", "002_two.sql", "1_one.sql", "20240105120000_stamp.sql", "003_three.sql"):
        write(tmp_path, name)
    files = discover(tmp_path)
    assert [(f.version, f.name) for f in files] == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (10, "ten"),
        (20240105120000, "stamp"),
    ]
    assert all(f.path.parent == tmp_path for f in files)


def test_other_files_and_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "001_init.sql")
    write(tmp_path, "README.md", "notes")
    write(tmp_path, ".002_backup.sql")
    (tmp_path / "003_folder.sql").mkdir()
    (tmp_path / "old").mkdir()
    write(tmp_path / "old", "004_nested.sql")
    assert [f.filename for f in discover(tmp_path)] == ["001_init.sql"]


def test_empty_folder_has_no_files(tmp_path: Path) -> None:
    assert discover(tmp_path) == []


def test_missing_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(SourceError, match=r"Migrations folder .*nope does not exist"):
        discover(missing)


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    path = write(tmp_path, "migrations")
    with pytest.raises(SourceError, match="is not a folder"):
        discover(path)


def test_duplicate_versions_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "006_create_tables.sql")
    write(tmp_path, "6_add_jobs.sql")
    write(tmp_path, "007_more.sql")
    with pytest.raises(SourceError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "006_create_tables.sql" in message and "6_add_jobs.sql" in message
    assert "version 6" in message


@pytest.mark.parametrize("name", ["add_jobs.sql", "v1_init.sql", "1.2_init.sql", "007.sql", "007_ two.sql"])
def test_malformed_versions_name_the_file(tmp_path: Path, name: str) -> None:
    write(tmp_path, "001_ok.sql")
    write(tmp_path, name)
    with pytest.raises(
        SourceError, match=r"has no version: name migration files NNN_description\.sql"
    ) as info:
        discover(tmp_path)
    assert name in str(info.value)


def test_checksum_ignores_line_endings_and_bom_only(tmp_path: Path) -> None:
    unix = write(tmp_path / "", "001_a.sql", raw=b"CREATE TABLE t (a int);\nSELECT 1;\n")
    (tmp_path / "w").mkdir()
    dos = write(tmp_path / "w", "001_a.sql", raw=b"\xef\xbb\xbfCREATE TABLE t (a int);\r\nSELECT 1;\r\n")
    (tmp_path / "m").mkdir()
    mac = write(tmp_path / "m", "001_a.sql", raw=b"CREATE TABLE t (a int);\rSELECT 1;\r")
    (tmp_path / "e").mkdir()
    edited = write(tmp_path / "e", "001_a.sql", raw=b"CREATE TABLE t (a bigint);\nSELECT 1;\n")
    a, b, c, d = (discover(p.parent)[0] for p in (unix, dos, mac, edited))
    assert a.checksum == b.checksum == c.checksum != d.checksum
    assert a.checksum == hashlib.sha256(b"CREATE TABLE t (a int);\nSELECT 1;\n").hexdigest()
    assert b.sql == a.sql == "CREATE TABLE t (a int);\nSELECT 1;\n"


def test_defaults_without_directives(tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", "-- just a comment\nCREATE TABLE t (a int);\n")
    (f,) = discover(tmp_path)
    assert (f.transactional, f.lock_timeout, f.statement_timeout, f.rerunnable) == (True, None, None, False)


def test_directives_are_parsed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "001_index.sql",
        "-- Build the jobs index without blocking writes.\n"
        "-- pgwarden: no-transaction\n"
        "--pgwarden: lock-timeout=5s statement-timeout=10min\n"
        "\n"
        "-- PGWARDEN: rerunnable\n"
        "CREATE INDEX CONCURRENTLY ix ON jobs (chat_id);\n",
    )
    (f,) = discover(tmp_path)
    assert f == MigrationFile(
        version=1,
        name="index",
        path=tmp_path / "001_index.sql",
        sql=f.sql,
        checksum=f.checksum,
        transactional=False,
        lock_timeout="5s",
        statement_timeout="10min",
        rerunnable=True,
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-- pgwarden: no-transactions", "unknown directive `no-transactions`"),
        ("-- pgwarden: lock_timeout=5s", "unknown directive `lock_timeout=5s`"),
        ("-- pgwarden: lock-timeout", "needs a duration"),
        ("-- pgwarden: statement-timeout=soon", "needs a duration"),
        ("-- pgwarden: rerunnable=yes", "takes no value"),
        ("-- pgwarden:", "empty"),
        ("-- pgwarden: rerunnable rerunnable", "given twice"),
    ],
)
def test_bad_directives_name_the_line(tmp_path: Path, line: str, expected: str) -> None:
    write(tmp_path, "001_a.sql", f"-- header\n{line}\nSELECT 1;\n")
    with pytest.raises(SourceError, match=r"001_a\.sql:2: ") as info:
        discover(tmp_path)
    assert expected in str(info.value)


def test_directive_after_the_first_statement_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", "SELECT 1;\n-- pgwarden: no-transaction\nSELECT 2;\n")
    with pytest.raises(
        SourceError, match=r"001_a\.sql:2: a `-- pgwarden:` directive after the first statement"
    ):
        discover(tmp_path)


def test_directive_text_inside_a_function_body_is_not_a_directive(tmp_path: Path) -> None:
    body = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n-- pgwarden: no-transaction\nSELECT 1\n$$;\n"
    write(tmp_path, "001_a.sql", body)
    (f,) = discover(tmp_path)
    assert f.transactional


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", raw=b"SELECT '\xff';\n")
    with pytest.raises(SourceError, match=r"001_a\.sql is not UTF-8"):
        discover(tmp_path)


def test_statements_keep_character_offsets(tmp_path: Path) -> None:
    text = (
        "-- pgwarden: no-transaction\n"
        "CREATE TABLE café (a int);\n"
        "\n"
        "CREATE INDEX CONCURRENTLY ix ON café (a); -- trailing\n"
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a;b' $$;\n"
    )
    write(tmp_path, "001_a.sql", text)
    (f,) = discover(tmp_path)
    parts = statements(f)
    assert [s for _, s in parts] == [
        "CREATE TABLE café (a int)",
        "CREATE INDEX CONCURRENTLY ix ON café (a)",
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a;b' $$",
    ]
    for offset, stmt in parts:
        assert f.sql[offset : offset + len(stmt)] == stmt


def test_statements_keep_begin_atomic_bodies_whole(tmp_path: Path) -> None:
    write(
        tmp_path,
        "001_a.sql",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;\n",
    )
    (f,) = discover(tmp_path)
    assert len(statements(f)) == 2


def test_statements_of_a_file_with_a_syntax_error_still_split(tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", "SELECT 1;\nSELEC 2;\nSELECT 3;\n")
    (f,) = discover(tmp_path)
    parts = statements(f)
    assert [s for _, s in parts] == ["SELECT 1", "SELEC 2", "SELECT 3"]
    assert [f.sql[o : o + len(s)] for o, s in parts] == ["SELECT 1", "SELEC 2", "SELECT 3"]


def test_statements_of_an_unsplittable_file_is_the_whole_text(tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", "\n  SELECT 'unterminated;\n")
    (f,) = discover(tmp_path)
    assert statements(f) == [(3, "SELECT 'unterminated;")]


def test_statements_of_an_empty_file(tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", "-- nothing yet\n")
    (f,) = discover(tmp_path)
    assert statements(f) == []


def test_statements_of_a_broken_file_keep_begin_atomic_whole(tmp_path: Path) -> None:
    write(
        tmp_path,
        "001_a.sql",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;\n"
        "/* c */ SELEC 2;\nSELECT 3",
    )
    (f,) = discover(tmp_path)
    assert [s for _, s in statements(f)] == [
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END",
        "SELEC 2",
        "SELECT 3",
    ]
