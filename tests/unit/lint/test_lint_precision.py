"""Issue 17's lint misses and wrong flags: one case per line of the issue, each bad and its safe twin."""

from __future__ import annotations

import pytest

from pgwarden.findings import Finding
from pgwarden.lint import RULES_BY_ID, Settings, lint_text


def run(sql: str, rule: str, *, in_tx: bool = True) -> list[Finding]:
    return lint_text("m.sql", sql, Settings(rules=(RULES_BY_ID[rule],), assume_in_transaction=in_tx))


DUPLICATES = [
    "CREATE TABLE t (a int, a text);",
    "CREATE VIEW v AS SELECT a, b AS a FROM t;",
    "CREATE VIEW v AS SELECT 1, 2;",
    "CREATE VIEW v AS SELECT count(*), count(x) FROM t;",
    "CREATE MATERIALIZED VIEW v AS SELECT a, t.a FROM t;",
    "CREATE TABLE t2 AS SELECT 1::int, 2::int;",
    "SELECT a, a INTO t2 FROM t;",
    "INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = 1, a = 2;",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1, a = 2;",
    "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (a, a) VALUES (1, 2);",
    "UPDATE t SET a = 1, a.x = 2;",
]

NOT_DUPLICATES = [
    "UPDATE t SET a.x = 1, a.y = 2;",
    "UPDATE t SET a[1] = 1, a[2] = 2;",
    "INSERT INTO t (a[1], a[2]) VALUES (1, 2);",
    "CREATE VIEW v (x, y) AS SELECT a, a FROM t;",
    "CREATE VIEW v AS SELECT *, a FROM t;",
    "SELECT 1, 2;",
    "CREATE TABLE t (a int, b text);",
]


@pytest.mark.parametrize("sql", DUPLICATES)
def test_duplicate_columns_are_flagged(sql: str) -> None:
    assert [f.code for f in run(sql, "duplicate-column-assignment")] == ["duplicate-column-assignment"]


@pytest.mark.parametrize("sql", NOT_DUPLICATES)
def test_assignments_postgres_accepts_are_not_flagged(sql: str) -> None:
    assert run(sql, "duplicate-column-assignment") == []


def test_commit_concurrently_begin_steps_out_of_the_runner_transaction() -> None:
    sql = "COMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nBEGIN;"
    assert run(sql, "concurrently-in-transaction") == []
    assert run(sql, "nested-transaction") == []
    assert run("CREATE INDEX CONCURRENTLY i ON t (a);", "concurrently-in-transaction") != []
    assert run(
        "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;", "concurrently-in-transaction", in_tx=False
    )


def test_begin_begin_commit_is_nested_not_unclosed() -> None:
    sql = "BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;"
    assert run(sql, "unclosed-transaction", in_tx=False) == []
    assert [f.code for f in run(sql, "nested-transaction", in_tx=False)] == ["nested-transaction"]
    assert run("BEGIN;\nSELECT 1;", "unclosed-transaction", in_tx=False) != []


@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
def test_stray_commit_in_a_runner_wrapped_file(end: str) -> None:
    sql = f"ALTER TABLE t ADD COLUMN a int;\n{end};\nALTER TABLE t ADD COLUMN b int;"
    assert [f.code for f in run(sql, "nested-transaction")] == ["nested-transaction"]
    assert run(sql, "nested-transaction", in_tx=False) == []


@pytest.mark.parametrize(
    ("rule", "add"),
    [
        ("constraint-without-not-valid", "CHECK (price > 0)"),
        ("foreign-key-lock", "FOREIGN KEY (user_id) REFERENCES users (id)"),
    ],
)
def test_not_valid_then_validate_in_the_same_transaction(rule: str, add: str) -> None:
    sql = f"ALTER TABLE jobs ADD CONSTRAINT c {add} NOT VALID;\nALTER TABLE jobs VALIDATE CONSTRAINT c;"
    found = run(sql, rule)
    assert [f.code for f in found] == [rule] and "same transaction" in found[0].message
    assert run(sql, rule, in_tx=False) == []
    assert run(sql.replace(";\nALTER", ";\nCOMMIT;\nBEGIN;\nALTER"), rule) == []


def test_set_not_null_after_its_documented_fix() -> None:
    fix = (
        "ALTER TABLE jobs ADD CONSTRAINT nn CHECK (chat_id IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE jobs VALIDATE CONSTRAINT nn;\n"
        "ALTER TABLE jobs ALTER COLUMN chat_id SET NOT NULL;"
    )
    assert run(fix, "set-not-null-scan", in_tx=False) == []
    assert run(fix.replace("SET NOT NULL", "SET NOT NULL, ALTER COLUMN x SET NOT NULL"), "set-not-null-scan")
    unvalidated = fix.replace("ALTER TABLE jobs VALIDATE CONSTRAINT nn;\n", "")
    assert [f.code for f in run(unvalidated, "set-not-null-scan")] == ["set-not-null-scan"]


@pytest.mark.parametrize("kind", ["int[]", "smallint[]", "integer[][]"])
def test_integer_arrays_are_covered_by_the_bigint_rule(kind: str) -> None:
    found = run(f"CREATE TABLE t (ids {kind});", "int-instead-of-bigint")
    assert [f.code for f in found] == ["int-instead-of-bigint"] and "[]" in found[0].message
    assert run("CREATE TABLE t (ids bigint[]);", "int-instead-of-bigint") == []


def test_identifier_with_escaped_quote_is_measured() -> None:
    name = '"' + "a" * 60 + '""bcd"'  # 60 + 1 + 3 = 64 bytes once the doubled quote is one
    found = run(f"CREATE TABLE {name} (id bigint);", "identifier-over-63-bytes")
    assert [f.code for f in found] == ["identifier-over-63-bytes"]
    assert run('CREATE TABLE "' + "a" * 59 + '""bcd" (id bigint);', "identifier-over-63-bytes") == []


@pytest.mark.parametrize(
    "sql", ["VACUUM (FULL FALSE) t;", "VACUUM (FULL 0) t;", "VACUUM (FULL off, ANALYZE) t;"]
)
def test_vacuum_full_turned_off_is_not_flagged(sql: str) -> None:
    assert run(sql, "vacuum-full-or-cluster", in_tx=False) == []


@pytest.mark.parametrize(
    "sql", ["VACUUM FULL t;", "VACUUM (FULL) t;", "VACUUM (FULL TRUE) t;", "VACUUM (FULL 1) t;"]
)
def test_vacuum_full_is_flagged(sql: str) -> None:
    assert run(sql, "vacuum-full-or-cluster", in_tx=False) != []


def test_reindex_system_is_not_told_to_use_concurrently() -> None:
    assert run("REINDEX SYSTEM bot;", "reindex-without-concurrently", in_tx=False) == []
    assert run("REINDEX TABLE t;", "reindex-without-concurrently", in_tx=False) != []


def test_rerunnable_judgement_outside_a_transaction() -> None:
    def flagged(sql: str) -> bool:
        return bool(run(sql, "non-robust-statement", in_tx=False))

    assert not flagged("CREATE TEMP TABLE scratch (id bigint) ON COMMIT DROP;")
    assert flagged("ALTER TABLE t RENAME COLUMN a TO b;")
    assert flagged("ALTER TABLE t RENAME TO u;")
    assert flagged("ALTER TABLE t DETACH PARTITION t_2024;")
    assert flagged("ALTER TABLE t DETACH PARTITION t_2024 CONCURRENTLY;")
    assert not run("ALTER TABLE t RENAME COLUMN a TO b;", "non-robust-statement")


@pytest.mark.parametrize(
    "sql",
    [
        "LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE;",
        "CREATE TABLE jobs (id bigint, user_id bigint REFERENCES users (id));",
        "CREATE TABLE jobs (id bigint, user_id bigint, FOREIGN KEY (user_id) REFERENCES users (id));",
    ],
)
def test_lock_timeout_for_lock_table_and_references(sql: str) -> None:
    assert [f.code for f in run(sql, "missing-lock-timeout")] == ["missing-lock-timeout"]
    assert run("SET lock_timeout = '2s';\n" + sql, "missing-lock-timeout") == []
    assert run("CREATE TABLE jobs (id bigint);", "missing-lock-timeout") == []


def at_version(sql: str, rule: str, version: int) -> list[Finding]:
    settings = Settings(rules=(RULES_BY_ID[rule],), postgres_version=version)
    return lint_text("m.sql", sql, settings)


def test_constant_default_rewrites_before_11_only() -> None:
    sql = "ALTER TABLE jobs ADD COLUMN attempts bigint NOT NULL DEFAULT 0;"
    assert at_version(sql, "volatile-default-rewrite", 18) == []
    (f,) = at_version(sql, "volatile-default-rewrite", 10)
    assert "PostgreSQL 10 writes it into every row" in f.message
    assert (
        at_version("ALTER TABLE jobs ADD COLUMN a bigint DEFAULT NULL;", "volatile-default-rewrite", 10) == []
    )


def test_set_not_null_fix_needs_12() -> None:
    fix = (
        "ALTER TABLE jobs ADD CONSTRAINT nn CHECK (chat_id IS NOT NULL) NOT VALID;\nCOMMIT;\n"
        "ALTER TABLE jobs VALIDATE CONSTRAINT nn;\nALTER TABLE jobs ALTER COLUMN chat_id SET NOT NULL;"
    )
    assert at_version(fix, "set-not-null-scan", 12) == []
    assert [f.code for f in at_version(fix, "set-not-null-scan", 11)] == ["set-not-null-scan"]


def test_concurrently_advice_follows_the_version() -> None:
    (new,) = at_version("REINDEX TABLE jobs;", "reindex-without-concurrently", 16)
    (old,) = at_version("REINDEX TABLE jobs;", "reindex-without-concurrently", 11)
    assert "has no REINDEX CONCURRENTLY" in old.message and "has no" not in new.message
    (old,) = at_version("ALTER TABLE e DETACH PARTITION e1;", "detach-partition-without-concurrently", 13)
    assert "PostgreSQL 13 has no DETACH" in old.message


@pytest.mark.parametrize(
    ("sql", "rule", "severity"),
    [
        ("DELETE FROM t;", "data-wipe", "error"),
        ("TRUNCATE t;", "data-wipe", "error"),
        ("UPDATE t SET a = 1;", "data-wipe", "warning"),  # the usual backfill
        ("DROP TABLE t CASCADE;", "data-wipe", "warning"),  # dependents unknown
        ("ALTER TABLE t DROP COLUMN a CASCADE;", "data-wipe", "warning"),
        ("DROP FUNCTION f() CASCADE;", "trigger-function-order", "warning"),
        (
            "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\nDROP FUNCTION f();",
            "trigger-function-order",
            "error",
        ),
    ],
)
def test_error_means_it_will_fail_or_break(sql: str, rule: str, severity: str) -> None:
    assert [f.severity.value for f in run(sql, rule)] == [severity]


def test_the_bigint_rule_flags_ids_not_every_integer() -> None:
    found = run(
        "CREATE TABLE orders (id serial, user_id integer, owner_id int, price integer, order_index smallint);",
        "int-instead-of-bigint",
    )
    assert [f.evidence["column"] for f in found] == ["id", "user_id", "owner_id"]
    assert "Telegram ids" in found[1].message and "Telegram" not in found[2].message
