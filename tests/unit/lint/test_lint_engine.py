"""The lint engine: locations, DO blocks, the incidents, ignore comments and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden.errors import UsageError
from pgwarden.findings import Finding
from pgwarden.lint import ALL_RULES, RULES_BY_ID, Settings, engine, lint_paths, lint_text, parse

ALL = Settings(rules=ALL_RULES)

MIGRATION_006 = """\
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'jobs') THEN
        CREATE TABLE jobs (id bigint PRIMARY KEY, user_id bigint NOT NULL, chat_id bigint);
    END IF;
END $$;

CREATE INDEX idx_jobs_chat_id ON jobs (chat_id);
"""


def only(*rules: str) -> Settings:
    return Settings(rules=tuple(RULES_BY_ID[r] for r in rules))


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def test_incident_006_conditional_create_then_index() -> None:
    (f,) = by_code(lint_text("006_create_tables.sql", MIGRATION_006, ALL), "conditional-create-assumption")
    assert f.object == "006_create_tables.sql:8:1"
    # Alone, nothing says an older jobs table exists: a risk, not a certain failure.
    assert f.severity.value == "warning" and f.source == "lint"
    assert "jobs.chat_id exists only if the conditional CREATE TABLE ran" in f.message
    # The earlier migrations of the chain made jobs without chat_id: it fails, an error.
    chain = {"public.jobs": frozenset({"id", "user_id"})}
    (f,) = by_code(lint_text("006.sql", MIGRATION_006, ALL, chain=chain), "conditional-create-assumption")
    assert f.severity.value == "error" and "already exists without chat_id" in f.message
    assert f.evidence["statement"] == "CREATE INDEX idx_jobs_chat_id ON jobs (chat_id)"
    assert "ADD COLUMN IF NOT EXISTS" in f.hint


def test_incident_006_fixed_version_is_clean() -> None:
    fixed = MIGRATION_006.replace(
        "END $$;",
        "    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'chat_id') THEN\n"
        "        ALTER TABLE jobs ADD COLUMN chat_id bigint;\n    END IF;\nEND $$;",
    )
    assert by_code(lint_text("006.sql", fixed, ALL), "conditional-create-assumption") == []


def test_statements_inside_the_do_block_are_located_in_the_file() -> None:
    sql = "DO $$\nBEGIN\n  DELETE FROM jobs;\nEND $$;\n"
    (f,) = lint_text("m.sql", sql, only("data-wipe"))
    assert f.object == "m.sql:3:3"
    assert f.evidence["source_line"] == "  DELETE FROM jobs;"


def test_incident_000_rename() -> None:
    sql = "ALTER TABLE conversations RENAME COLUMN started_at TO created_at;"
    (f,) = lint_text("m.sql", sql, only("rename-while-running"))
    assert "column started_at does not exist" in f.message
    assert "expand/contract" in f.hint.lower()


def test_columns_count_characters_not_bytes() -> None:
    sql = "SELECT 'ééé'; CREATE TABLE t (a_id int);"
    (f,) = lint_text("m.sql", sql, only("int-instead-of-bigint"))
    assert f.object == "m.sql:1:36"


def test_ignore_on_the_statement_and_unused_ignores() -> None:
    sql = (
        "-- pgwarden:ignore data-wipe -- emptied on purpose, nothing reads it\n"
        "DELETE FROM cache;\n"
        "-- pgwarden:ignore drop-column\n"
        "DELETE FROM jobs;\n"
    )
    found = lint_text("m.sql", sql, only("data-wipe", "drop-column"))
    assert [(f.code, f.object) for f in found] == [("data-wipe", "m.sql:4:1"), ("unused-ignore", "m.sql:3:1")]


def test_ignore_several_rules_and_file_wide() -> None:
    sql = "-- pgwarden:ignore data-wipe, drop-table -- test fixture reset\n\nDELETE FROM a;\nDROP TABLE b;\nDELETE FROM c;\n"
    assert lint_text("m.sql", sql, only("data-wipe", "drop-table")) == []


def test_ignore_with_unknown_rule_is_reported() -> None:
    (f,) = lint_text("m.sql", "-- pgwarden:ignore no-such-rule\nSELECT 1;\n", ALL)
    assert f.code == "unused-ignore" and "not a pgwarden rule" in f.message


def test_ignore_text_inside_a_string_is_not_a_comment() -> None:
    sql = "INSERT INTO notes (t) VALUES ('-- pgwarden:ignore data-wipe');\nDELETE FROM jobs;\n"
    assert [f.code for f in lint_text("m.sql", sql, only("data-wipe"))] == ["data-wipe"]


def test_ignore_of_an_excluded_rule_is_not_reported() -> None:
    assert lint_text("m.sql", "-- pgwarden:ignore data-wipe\nSELECT 1;\n", only("drop-table")) == []


def test_syntax_error_is_located_and_earlier_statements_still_checked() -> None:
    found = lint_text("m.sql", "DELETE FROM jobs;\nSELEC 1;\n", only("data-wipe"))
    assert {(f.code, f.object) for f in found} == {("data-wipe", "m.sql:1:1"), ("syntax-error", "m.sql:2:1")}
    assert 'syntax error at or near "SELEC"' in by_code(found, "syntax-error")[0].message


def test_bad_files_do_not_stop_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_FILE_BYTES", 1000)
    (tmp_path / "001_empty.sql").write_text("")
    (tmp_path / "002_latin1.sql").write_bytes("SELECT 'caf\xe9';".encode("latin-1"))
    (tmp_path / "003_broken.sql").write_text("CREATE TABLE (;")
    (tmp_path / "004_ok.sql").write_text("DELETE FROM jobs;")
    (tmp_path / "005_huge.sql").write_bytes(b"-- x\n" * 201)
    found = lint_paths([tmp_path], only("data-wipe"))
    got = sorted((Path(f.object.split(":")[0]).name, f.code) for f in found)
    assert got == [
        ("002_latin1.sql", "unreadable-file"),
        ("003_broken.sql", "syntax-error"),
        ("004_ok.sql", "data-wipe"),
        ("005_huge.sql", "unreadable-file"),
    ]
    assert (
        "not UTF-8"
        in by_code(found, "unreadable-file")[0].message + by_code(found, "unreadable-file")[1].message
    )


def test_folder_without_sql_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi")
    with pytest.raises(UsageError, match="holds no .sql files"):
        lint_paths([tmp_path], ALL)
    with pytest.raises(UsageError, match="does not exist"):
        lint_paths([tmp_path / "nope"], ALL)


def test_crlf_and_bom_do_not_shift_locations() -> None:
    text = "\ufeffSELECT 1;\r\nDELETE FROM jobs;\r\n"
    (f,) = lint_text("m.sql", text, only("data-wipe"))
    assert f.object == "m.sql:2:1"


CHUNKY = """\
CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY);
INSERT INTO jobs (id) VALUES (1), (2), (3);
INSERT INTO jobs (id) VALUES (4);
INSERT INTO jobs (id) VALUES (5);
-- café: a non-ASCII comment shifts byte offsets from character offsets
DELETE FROM jobs;
INSERT INTO jobs (id) VALUES (6);
CREATE INDEX jobs_note_idx ON jobs (note);
UPDATE jobs SET id = id + 1;
"""


def test_large_files_are_linted_in_chunks_with_the_same_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = lint_text("m.sql", CHUNKY, ALL)
    monkeypatch.setattr(parse, "CHUNK_BYTES", 40)
    chunked = lint_text("m.sql", CHUNKY, ALL)
    # A run of INSERTs into the same columns is analysed through its first statement (lines 3-4).
    collapsed = {f for f in whole if f.object.startswith(("m.sql:3:", "m.sql:4:"))}
    assert collapsed
    assert sorted((f.code, f.object) for f in chunked) == sorted(
        (f.code, f.object) for f in set(whole) - collapsed
    )
    assert {("data-wipe", "m.sql:6:1"), ("data-wipe", "m.sql:9:1")} <= {(f.code, f.object) for f in chunked}


def test_a_syntax_error_in_a_later_chunk_keeps_what_came_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "CHUNK_BYTES", 40)
    found = lint_text("m.sql", CHUNKY + "SELEC 1;\nDELETE FROM jobs;\n", only("data-wipe"))
    assert {(f.code, f.object) for f in found} == {
        ("data-wipe", "m.sql:6:1"),
        ("data-wipe", "m.sql:9:1"),
        ("syntax-error", "m.sql:10:1"),
    }


def test_a_multi_megabyte_data_load_is_linted(tmp_path: Path) -> None:
    rows = "".join(f"INSERT INTO users (id, name) VALUES ({i}, 'user {i}');\n" for i in range(60_000))
    path = tmp_path / "002_seed.sql"
    path.write_text("SET lock_timeout = '1s';\n" + rows + "DELETE FROM users;\n")
    assert path.stat().st_size > 2 * parse.CHUNK_BYTES
    found = lint_paths([path], ALL)
    wipe = by_code(found, "data-wipe")
    assert len(wipe) == 1 and wipe[0].object.endswith("002_seed.sql:60002:1")
    assert "syntax-error" not in {f.code for f in found}


def test_folders_are_searched_as_rglob_searches_them(tmp_path: Path) -> None:
    import os

    root = tmp_path / "db"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden_dir").mkdir()
    (root / "dir.sql").mkdir()  # a folder named like a file: searched, not linted
    outside = tmp_path / "outside"
    outside.mkdir()
    for path in (
        root / "001_a.sql",
        root / "sub" / "002_b.sql",
        root / "sub" / "deeper" / "c.sql",
        root / ".hidden_dir" / "d.sql",
        root / "dir.sql" / "e.sql",
        root / ".dot.sql",
        root / "3_x.down.sql",
        root / "notes.txt",
        outside / "f.sql",
    ):
        path.write_text("SELECT 1;\n")
    (root / "linked_dir").symlink_to(outside)  # not entered, as rglob does not
    (root / "linked.sql").symlink_to(outside / "f.sql")  # a linked file is a file
    (root / "broken.sql").symlink_to(tmp_path / "missing.sql")
    os.mkfifo(root / "pipe.sql")
    expected = sorted(
        p
        for p in root.rglob("*.sql")
        if p.is_file() and not p.name.startswith(".") and not engine._never_runs(p.name)
    )
    assert engine.collect_files([root]) == expected
    assert {p.name for p in expected} == {"001_a.sql", "002_b.sql", "c.sql", "d.sql", "e.sql", "linked.sql"}


def _varied_files() -> list[str]:
    """Every rule's examples, the squawk comparison fixtures, and a file mixing all of them."""
    examples = [text for rule in ALL_RULES for text in (rule.bad, rule.good)]
    fixtures = Path(__file__).parents[2] / "fixtures" / "lint_peer"
    peers = [p.read_text() for p in sorted(fixtures.glob("*.sql"))]
    return [*examples, *peers, "\n".join(examples), "\n".join(peers)]


def test_a_rule_finds_nothing_in_a_file_without_its_kinds_of_statement() -> None:
    # each statement of every file alone, and the files whole: what the engine skips finds nothing
    texts = _varied_files()
    for text in list(texts):
        statements, _ = parse.parse_file(text.encode())
        texts += [text.encode()[s.start : s.start + s.length].decode() for s in statements if not s.in_block]
    for text in texts:
        statements, _ = parse.parse_file(text.encode())
        source = engine.Source(path="x.sql", statements=tuple(statements), data=text.encode())
        for rule in ALL_RULES:
            if rule.tags is not None and rule.tags.isdisjoint(source.by_tag):
                assert list(rule.check(source)) == [], (rule.id, text)


def test_giving_each_rule_only_files_with_its_kinds_changes_no_finding() -> None:
    import dataclasses

    every_file = Settings(rules=tuple(dataclasses.replace(rule, tags=None) for rule in ALL_RULES))
    for text in _varied_files():
        dispatched = [(f.code, f.object, f.message, f.evidence) for f in lint_text("x.sql", text, ALL)]
        assert dispatched == [
            (f.code, f.object, f.message, f.evidence) for f in lint_text("x.sql", text, every_file)
        ]
