"""conditional-create-assumption judges the chain, not the file: error, warning or nothing."""

from __future__ import annotations

from pathlib import Path

from pgwarden.findings import Finding
from pgwarden.lint import RULES_BY_ID, Settings, TableFacts, lint_paths, lint_text

RULE = "conditional-create-assumption"
SETTINGS = Settings(rules=(RULES_BY_ID[RULE],))
LATER = "CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY, c bigint);\nCREATE INDEX IF NOT EXISTS t_c ON t (c);\n"


def chain(tmp_path: Path, *files: str) -> list[Finding]:
    for i, sql in enumerate(files, 1):
        (tmp_path / f"{i:03}.sql").write_text(sql)
    return lint_paths([tmp_path], SETTINGS)


def test_error_when_the_earlier_migrations_show_the_table_without_the_column(tmp_path: Path) -> None:
    (f,) = chain(tmp_path, "CREATE TABLE t (id bigint PRIMARY KEY);\n", LATER)
    assert f.severity.value == "error" and f.object.endswith("002.sql:2:1")
    assert "already exists without c (after the earlier migrations)" in f.message


def test_nothing_when_the_chain_creates_the_table_with_the_column(tmp_path: Path) -> None:
    assert chain(tmp_path, "CREATE TABLE t (id bigint PRIMARY KEY, c bigint);\n", LATER) == []


def test_columns_added_or_renamed_by_earlier_migrations_count(tmp_path: Path) -> None:
    assert (
        chain(tmp_path, "CREATE TABLE t (id bigint);\n", "ALTER TABLE t ADD COLUMN c bigint;\n", LATER) == []
    )
    renamed = chain(
        tmp_path, "CREATE TABLE t (id bigint, b bigint);\n", "ALTER TABLE t RENAME b TO c;\n", LATER
    )
    assert renamed == []


def test_warning_when_nothing_is_known(tmp_path: Path) -> None:
    (f,) = chain(tmp_path, "CREATE TABLE other (id bigint);\n", LATER)
    assert f.severity.value == "warning" and "exists only if the conditional CREATE TABLE ran" in f.message
    (f,) = lint_text("m.sql", LATER, SETTINGS)
    assert f.severity.value == "warning"


def test_a_table_dropped_earlier_is_unknown_again(tmp_path: Path) -> None:
    (f,) = chain(tmp_path, "CREATE TABLE t (id bigint);\n", "DROP TABLE t;\n", LATER)
    assert f.severity.value == "warning"


def test_table_as_select_has_unknown_columns(tmp_path: Path) -> None:
    (f,) = chain(tmp_path, "CREATE TABLE t AS SELECT 1 AS id;\n", LATER)
    assert f.severity.value == "warning"


def test_the_target_schema_decides_when_given() -> None:
    without = {"public.t": TableFacts(columns=frozenset({"id"}))}
    (f,) = lint_text("m.sql", LATER, SETTINGS, without)
    assert f.severity.value == "error" and "in the target schema" in f.message
    with_c = {"public.t": TableFacts(columns=frozenset({"id", "c"}))}
    assert lint_text("m.sql", LATER, SETTINGS, with_c) == []
    assert lint_text("m.sql", LATER, SETTINGS, {}) == []  # absent: the CREATE runs


def test_only_earlier_files_naming_the_table_are_read_again(tmp_path: Path) -> None:
    from pgwarden.lint.chain import chain_for

    paths = []
    sqls = [
        "CREATE TABLE t (id bigint);",
        "CREATE TABLE u (id bigint);",
        LATER,
        "CREATE TABLE v (id bigint);",
    ]
    for i, sql in enumerate(sqls, 1):
        path = tmp_path / f"{i}.sql"
        path.write_text(sql)
        paths.append(path)
    found = chain_for(paths, {paths[2]: {"public.t"}})
    assert found == {paths[2]: {"public.t": frozenset({"id"})}}
    assert chain_for(paths, {paths[2]: {"public.w"}}) == {}  # no earlier file names w: nothing to learn


def test_findings_stay_in_file_order_after_the_second_look(tmp_path: Path) -> None:
    settings = Settings(rules=(RULES_BY_ID[RULE], RULES_BY_ID["drop-table"]))
    for i, sql in enumerate(
        ["CREATE TABLE t (id bigint);\nDROP TABLE x;", LATER + "DROP TABLE y;", "DROP TABLE z;"], 1
    ):
        (tmp_path / f"{i}.sql").write_text(sql)
    found = lint_paths([tmp_path], settings)
    assert [(Path(f.object.rsplit(":", 2)[0]).name, f.code, f.severity.value) for f in found] == [
        ("1.sql", "drop-table", "warning"),
        ("2.sql", RULE, "error"),
        ("2.sql", "drop-table", "warning"),
        ("3.sql", "drop-table", "warning"),
    ]
