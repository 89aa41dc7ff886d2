"""Other tools' file layouts: only the up part is kept, down parts and files are never run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgwarden.errors import SourceError
from pgwarden.migrate import discover, statements
from pgwarden.migrate.formats import FormatError, blank_lines, comment_lines, split
from pgwarden.migrate.names import parse_name


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


AERICH = "-- upgrade --\nCREATE TABLE notes (id int);\n-- downgrade --\nDROP TABLE notes;\n"
DBMATE = "-- migrate:up\nCREATE TABLE notes (id int);\n\n-- migrate:down\nDROP TABLE notes;\n"
GOOSE = (
    "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\n"
    "END $$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\n"
)


@pytest.mark.parametrize(
    ("text", "tool", "down_line"), [(AERICH, "aerich", 3), (DBMATE, "dbmate", 4), (GOOSE, "goose", 9)]
)
def test_the_down_part_is_blanked_and_positions_stay(text: str, tool: str, down_line: int) -> None:
    sections = split(text)
    assert sections.tool == tool
    assert sections.down_line == down_line
    assert len(sections.up) == len(text)
    assert sections.up.count("\n") == text.count("\n")
    assert "DROP" not in sections.up
    assert sections.up.split("\n")[1] == text.split("\n")[1]


def test_plain_files_are_unchanged() -> None:
    text = (
        "-- migrate: add a column\nALTER TABLE t ADD COLUMN c int;\n-- roll back if the deploy fails, by hand\n"
        "-- goose is a bird; upgrade later\n"
    )
    sections = split(text)
    assert (sections.tool, sections.up, sections.down_lines) == ("plain", text, None)


def test_a_down_part_before_the_up_part_is_blanked_too() -> None:
    text = "-- migrate:down\nDROP TABLE a;\n-- migrate:up\nCREATE TABLE a (id int);\n"
    sections = split(text)
    assert "DROP" not in sections.up and "CREATE TABLE a" in sections.up


@pytest.mark.parametrize(
    "marker", ["-- down", "-- rollback", "-- ROLLBACK --", "-- [undo]", "--- revert ---", "-- migrate down"]
)
def test_unknown_section_markers_are_an_error(marker: str) -> None:
    with pytest.raises(FormatError, match="section marker pgwarden does not know"):
        split(f"CREATE TABLE a (id int);\n{marker}\nDROP TABLE a;\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- migrate:up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n", "mixes dbmate and goose"),
        ("-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n", "2 goose up markers"),
        ("SELECT 1;\n-- migrate:up\nSELECT 2;\n", "SQL before its dbmate up marker"),
        ("-- +goose Upp\nSELECT 1;\n", "not a marker pgwarden knows"),
        ("-- migrate:sideways\nSELECT 1;\n", "not a marker pgwarden knows"),
        ("-- migrate:down\nSELECT 1;\n", "0 dbmate up markers"),
    ],
)
def test_ambiguous_markers_are_an_error(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        split(text)


def test_goose_no_transaction_and_dbmate_transaction_false() -> None:
    assert (
        split("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (c);\n").transactional
        is False
    )
    assert (
        split("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n").transactional
        is False
    )
    assert split(DBMATE).transactional is None


def test_blank_lines_keeps_byte_offsets() -> None:
    data = "SELECT 'é';\n-- downgrade --\nDROP TABLE é;\n".encode()
    out = blank_lines(data, (1, 3))
    assert len(out) == len(data) and out.startswith("SELECT 'é';\n".encode()) and b"DROP" not in out


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("001_init.sql", (1, "init", "up", "numbered")),
        ("000001_init.up.sql", (1, "init", "up", "up-down")),
        ("20240101000000_add.down.sql", (20240101000000, "add", "down", "up-down")),
        ("V3__add_jobs.sql", (3, "add_jobs", "up", "flyway")),
        ("U3__add_jobs.sql", (3, "add_jobs", "undo", "flyway")),
        ("README.sql", None),
    ],
)
def test_file_names(filename: str, expected: tuple[object, ...] | None) -> None:
    name = parse_name(filename)
    assert (None if name is None else (name.version, name.name, name.role, name.layout)) == expected


@pytest.mark.parametrize(
    ("filename", "message"), [("V1.1__x.sql", "not a whole number"), ("R__views.sql", "repeatable")]
)
def test_flyway_names_pgwarden_cannot_order(filename: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_name(filename)


def test_golang_migrate_pairs_run_the_up_files_only(tmp_path: Path) -> None:
    write(tmp_path, "1_users.up.sql", "CREATE TABLE users (id int);\n")
    write(tmp_path, "1_users.down.sql", "DROP TABLE users;\n")
    write(tmp_path, "2_notes.up.sql", "CREATE TABLE notes (id int);\n")
    files = discover(tmp_path)
    assert [(f.version, f.filename, f.tool, f.down) for f in files] == [
        (1, "1_users.up.sql", "golang-migrate", "file 1_users.down.sql"),
        (2, "2_notes.up.sql", "golang-migrate", None),
    ]


def test_flyway_undo_files_never_run(tmp_path: Path) -> None:
    write(tmp_path, "V1__users.sql", "CREATE TABLE users (id int);\n")
    write(tmp_path, "U1__users.sql", "DROP TABLE users;\n")
    (file,) = discover(tmp_path)
    assert (file.filename, file.tool, file.down) == ("V1__users.sql", "flyway", "file U1__users.sql")


def test_an_aerich_file_keeps_only_its_upgrade(tmp_path: Path) -> None:
    write(tmp_path, "0_20240101_init.sql", AERICH)
    (file,) = discover(tmp_path)
    assert [text for _, text in statements(file)] == ["CREATE TABLE notes (id int)"]
    assert (file.tool, file.down) == ("aerich", "line 3")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"1_a.up.sql": "SELECT 1;", "2_b.sql": "SELECT 1;"}, "mixes file layouts"),
        ({"1_a.sql": DBMATE, "2_b.sql": GOOSE}, "mixes dbmate and goose files"),
        ({"1_a.up.sql": "SELECT 1;", "2_b.down.sql": "SELECT 1;"}, "has no up file of version 2"),
        ({"V1__a.sql": "SELECT 1;", "U2__b.sql": "SELECT 1;"}, "has no V file of version 2"),
        ({"1_a.sql": "SELECT 1;\n-- rollback\nDROP TABLE a;\n"}, "is not run: line 2"),
        ({"1_a.sql": "-- pgwarden: destructive\nDROP TABLE a;\n"}, "needs a reason"),
        ({"1_a.sql": "-- pgwarden: destructive --  \nDROP TABLE a;\n"}, "needs a reason"),
    ],
)
def test_bad_folders_are_one_sentence(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(SourceError, match=message) as info:
        discover(tmp_path)
    assert str(info.value).count(". ") <= 1 and "\n" not in str(info.value)


def test_the_destructive_marker_keeps_its_reason(tmp_path: Path) -> None:
    write(
        tmp_path, "1_a.sql", "-- +goose Up\n-- pgwarden: destructive -- archived to s3 first\nDROP TABLE a;\n"
    )
    (file,) = discover(tmp_path)
    assert file.destructive == "archived to s3 first"


def test_lint_reads_the_up_part_only_and_says_a_down_part_exists() -> None:
    from pgwarden.lint import ALL_RULES, Settings, lint_text

    found = lint_text("0_init.sql", AERICH, Settings(rules=tuple(ALL_RULES)))
    assert [(f.code, f.object) for f in found if f.code in ("drop-table", "down-part")] == [
        ("down-part", "0_init.sql:3:1")
    ]
    broken = lint_text("1_x.sql", "SELECT 1;\n-- rollback\nDROP TABLE a;\n", Settings(rules=tuple(ALL_RULES)))
    assert [f.code for f in broken] == ["unknown-section"]


_PIECES = st.sampled_from(
    [
        "--",
        "-- up",
        "-- migrate:up",
        "SELECT 1;",
        "x -- y",
        " ",
        "\t",
        "\u00a0",
        "\u2003",
        "\r",
        "\x0c",
        "\n",
        "-",
        "a",
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_comment_lines_are_the_lines_that_start_with_two_dashes_once_stripped(text: str) -> None:
    expected = [(i, line.strip()) for i, line in enumerate(text.split("\n")) if line.strip().startswith("--")]
    assert list(comment_lines(text)) == expected
