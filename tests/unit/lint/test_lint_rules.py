"""Every lint rule: registry, docs, examples (bad fires, good does not), and behaviour the examples miss."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgwarden.findings import Finding, Severity
from pgwarden.lint import ALL_RULES, ENGINE_CODES, RULES_BY_ID, Rule, Settings, TableFacts, lint_text

DOCS = Path(__file__).resolve().parents[3] / "docs" / "rules"
RULES = Path(__file__).resolve().parents[3] / "src" / "pgwarden" / "lint" / "rules"


def run(
    sql: str, *rules: str, in_tx: bool = True, tables: dict[str, TableFacts] | None = None
) -> list[Finding]:
    chosen = tuple(RULES_BY_ID[r] for r in rules) if rules else ALL_RULES
    return lint_text("m.sql", sql, Settings(rules=chosen, assume_in_transaction=in_tx), tables)


def codes(sql: str, *rules: str, in_tx: bool = True) -> list[str]:
    return [f.code for f in run(sql, *rules, in_tx=in_tx)]


def test_registry_is_explicit_unique_and_matches_modules() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    modules = sorted(p.stem for p in RULES.glob("*.py") if not p.name.startswith("_"))
    assert sorted(i.replace("-", "_") for i in ids) == modules


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_has_metadata_and_docs(rule: Rule) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
    assert rule.problem and rule.help and rule.bad and rule.good
    page = DOCS / f"{rule.id}.md"
    assert page.is_file(), f"docs/rules/{rule.id}.md is missing"
    text = page.read_text()
    assert "## Problem" in text and "## Solution" in text
    assert rule.bad in text and rule.good in text


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_bad_example_fires_and_good_example_does_not(rule: Rule) -> None:
    bad = run(rule.bad, rule.id)
    assert [f.code for f in bad] and {f.code for f in bad} == {rule.id}, bad
    assert all(f.source == "lint" and f.kind == rule.id and f.object.startswith("m.sql:") for f in bad)
    assert all("statement" in f.evidence for f in bad)
    assert run(rule.good, rule.id) == []


@pytest.mark.parametrize("code", ENGINE_CODES)
def test_engine_codes_have_docs(code: str) -> None:
    text = (DOCS / f"{code}.md").read_text()
    assert "## Problem" in text and "## Solution" in text


def test_no_stray_docs_pages() -> None:
    known = {r.id for r in ALL_RULES} | set(ENGINE_CODES)
    assert {p.stem for p in DOCS.glob("*.md")} == known


def test_index_on_table_created_in_same_file_needs_no_concurrently() -> None:
    sql = "CREATE TABLE chats (id bigint, job_id bigint);\nCREATE INDEX chats_job_idx ON chats (job_id);"
    assert codes(sql, "index-without-concurrently") == []
    assert codes(
        "CREATE TABLE IF NOT EXISTS c (a bigint);\nCREATE INDEX i ON c (a);", "index-without-concurrently"
    )


def test_row_estimates_make_index_lock_an_error() -> None:
    tables = {"public.jobs": TableFacts(frozenset({"id", "user_id"}), rows=3_200_000)}
    (f,) = run("CREATE INDEX i ON jobs (user_id);", "index-without-concurrently", tables=tables)
    assert f.severity is Severity.ERROR
    assert "will block writes to public.jobs (public.jobs holds about 3.2M rows)" in f.message


def test_concurrently_in_transaction_depends_on_the_runner() -> None:
    sql = "CREATE INDEX CONCURRENTLY i ON t (a);"
    assert codes(sql, "concurrently-in-transaction") == ["concurrently-in-transaction"]
    assert codes(sql, "concurrently-in-transaction", in_tx=False) == []
    assert codes("BEGIN;\n" + sql + "\nCOMMIT;", "concurrently-in-transaction", in_tx=False)
    assert codes("DROP INDEX CONCURRENTLY i;", "concurrently-in-transaction")
    assert codes("REINDEX (CONCURRENTLY) TABLE t;", "concurrently-in-transaction")


def test_transactions() -> None:
    assert codes("BEGIN; BEGIN; SELECT 1; COMMIT; COMMIT;", "nested-transaction", in_tx=False) == [
        "nested-transaction"
    ]
    assert codes("BEGIN; SELECT 1; COMMIT;", "nested-transaction", in_tx=False) == []
    assert codes("BEGIN; CREATE TABLE t (id bigint);", "unclosed-transaction", in_tx=False) == [
        "unclosed-transaction"
    ]
    assert codes("START TRANSACTION; SELECT 1; ROLLBACK;", "unclosed-transaction") == []


def test_timeouts_from_set_or_directive() -> None:
    alter = "ALTER TABLE t ADD COLUMN c boolean;"
    assert codes(alter, "missing-lock-timeout", "missing-statement-timeout") == [
        "missing-lock-timeout",
        "missing-statement-timeout",
    ]
    assert (
        codes(
            "-- pgwarden: lock-timeout=5s statement-timeout=1min\n" + alter,
            "missing-lock-timeout",
            "missing-statement-timeout",
        )
        == []
    )
    assert codes("SET lock_timeout = '1s';\n" + alter, "missing-lock-timeout") == []
    assert codes("CREATE TABLE t (id bigint);", "missing-lock-timeout") == []


def test_non_robust_only_outside_a_transaction() -> None:
    assert codes("CREATE TABLE t (id bigint);", "non-robust-statement") == []
    assert codes("CREATE TABLE t (id bigint);", "non-robust-statement", in_tx=False) == [
        "non-robust-statement"
    ]
    assert codes("ALTER TABLE t ADD COLUMN IF NOT EXISTS c text;", "non-robust-statement", in_tx=False) == []
    guarded = (
        "ALTER TABLE t DROP CONSTRAINT IF EXISTS c;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;"
    )
    assert codes(guarded, "non-robust-statement", in_tx=False) == []


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("CREATE TABLE t (a_id smallint);", "int-instead-of-bigint"),
        ("ALTER TABLE t ALTER COLUMN chat_id TYPE integer;", "int-instead-of-bigint"),
        ("CREATE TABLE t (id serial);", "serial-instead-of-identity"),
        ("ALTER TABLE t ADD COLUMN a varchar(10);", "varchar-length-limit"),
        ("CREATE TABLE t (a character(3));", "char-column"),
        ("CREATE TABLE t (a timestamp without time zone);", "timestamp-without-time-zone"),
        ("INSERT INTO t (a, a) VALUES (1, 2);", "duplicate-column-assignment"),
        ("UPDATE t SET a = 1;", "data-wipe"),
        ("TRUNCATE t CASCADE;", "data-wipe"),
        ("DROP TABLE t CASCADE;", "data-wipe"),
        ("ALTER TABLE t DROP COLUMN a CASCADE;", "data-wipe"),
        ("ALTER TABLE t RENAME TO u;", "rename-while-running"),
        ("ALTER TABLE t ADD COLUMN id bigserial PRIMARY KEY;", "primary-key-without-index"),
        ("ALTER TABLE t ADD COLUMN c bigint REFERENCES u (id);", "foreign-key-lock"),
        ("ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;", "volatile-default-rewrite"),
        ("CLUSTER t USING t_pkey;", "vacuum-full-or-cluster"),
        ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);", "domain-check-constraint"),
        ("DROP FUNCTION f() CASCADE;", "trigger-function-order"),
        ("ALTER TABLE t DISABLE TRIGGER ALL;", "disable-trigger"),
        (f'CREATE INDEX "{"é" * 40}" ON t (a);', "identifier-over-63-bytes"),
    ],
)
def test_more_triggering_cases(sql: str, rule: str) -> None:
    assert rule in codes(sql, rule), sql


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();", "volatile-default-rewrite"),
        ("ALTER TABLE t ADD COLUMN c bigint DEFAULT 0;", "volatile-default-rewrite"),
        ("CREATE TABLE t (id bigint);\nALTER TABLE t RENAME COLUMN id TO key;", "rename-while-running"),
        ("CREATE TABLE t (id bigint);\nALTER TABLE t ALTER COLUMN id SET NOT NULL;", "set-not-null-scan"),
        ("DELETE FROM t WHERE id = 1;", "data-wipe"),
        ("CREATE TABLE t (a bigint, b text, c timestamptz);", "int-instead-of-bigint"),
        ("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;", "foreign-key-lock"),
        ("ALTER TYPE e ADD VALUE 'x' BEFORE 'y';", "enum-value-without-position"),
        (
            "COMMENT ON TABLE t IS 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';",
            "identifier-over-63-bytes",
        ),
        ("CREATE TABLE t (id bigint);\nDROP TRIGGER tr ON t;\nDROP FUNCTION f();", "trigger-function-order"),
    ],
)
def test_more_clean_cases(sql: str, rule: str) -> None:
    assert codes(sql, rule) == [], sql


def test_function_dropped_under_its_trigger() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "DROP FUNCTION f();"
    )
    (f,) = run(sql, "trigger-function-order")
    assert "still calls it" in f.message and f.object == "m.sql:3:1"
