"""Fixes are tried on a scratch copy of the live schema before they are offered."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgwarden.catalog import inspect
from pgwarden.cli import main
from pgwarden.contract import Expected
from pgwarden.findings import Finding, Severity
from pgwarden.fix_verify import verify_fixes
from pgwarden.orchestrator import compare
from pgwarden.scratch import Scratch
from pgwarden.urls import with_dbname

SCHEMA = "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, lang varchar(10));\n"
INDEX = "CREATE INDEX ix_users_name ON users (name);\n"


def test_a_fix_that_clears_its_finding_is_verified_and_one_that_fails_or_does_nothing_is_withdrawn(
    db_url: str, scratch: Scratch
) -> None:
    expected_url = scratch.create_database("expected")
    try:
        with psycopg.connect(expected_url, autocommit=True) as conn:
            conn.execute(SCHEMA + INDEX + "ALTER TABLE users ALTER COLUMN lang TYPE varchar(5);")
            expected = inspect(conn)
    finally:
        scratch.drop_database(expected_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA + "ALTER TABLE users ADD COLUMN note text;")
        conn.execute("INSERT INTO users VALUES (1, 'a', 'zh-Hant')")
        live = inspect(conn)
    sources = [Expected("migrations", "migrations", expected)]
    findings = compare(sources, live).findings
    by_object = {f.object: f for f in findings}
    assert by_object["public.users.ix_users_name"].fix_sql
    assert by_object["public.users.lang"].fix_sql  # the narrowing, guarded

    def again(schema: object) -> list:  # type: ignore[type-arg]
        return compare(sources, schema).findings  # type: ignore[arg-type]

    verified = {f.object: f for f in verify_fixes(findings, live, again, lambda: scratch)}
    assert verified["public.users.ix_users_name"].evidence["fix_verified"] is True
    assert verified["public.users.ix_users_name"].fix_sql == by_object["public.users.ix_users_name"].fix_sql
    # The copy has no rows: the guard passes there; on live it still stops (PW106).
    assert verified["public.users.lang"].evidence["fix_verified"] is True

    broken = [
        replace(f, fix_sql="ALTER TABLE public.nowhere ADD COLUMN x int;")
        if f.object == "public.users.ix_users_name"
        else replace(f, fix_sql="SELECT 1;")
        if f.object == "public.users.lang"
        else f
        for f in findings
    ]
    judged = {f.object: f for f in verify_fixes(broken, live, again, lambda: scratch)}
    failed = judged["public.users.ix_users_name"]
    assert failed.fix_sql is None and failed.evidence["fix_verified"] is False
    assert (
        "nowhere" in failed.evidence["verify_error"] and "does not exist" in failed.evidence["verify_error"]
    )
    assert failed.evidence["unverified_fix_sql"] == "ALTER TABLE public.nowhere ADD COLUMN x int;"
    assert "scratch copy" in failed.hint
    idle = judged["public.users.lang"]
    assert (
        idle.fix_sql is None and idle.evidence["verify_error"] == "the finding was still there after it ran"
    )
    # The live database was only read.
    with psycopg.connect(db_url) as conn:
        assert inspect(conn) == live


def test_check_verify_fixes_marks_the_offered_fixes(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(SCHEMA + INDEX)
    (tmp_path / "pgwarden.toml").write_text('migrations = "migrations"\n')
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
    out, err = io.StringIO(), io.StringIO()
    dev = with_dbname(db_url, "postgres")
    argv = ["check", "--db", db_url, "--dev-url", dev, "--format", "json", "--verify-fixes"]
    code = main(argv, out, err)
    assert code in (0, 1) and err.getvalue() == "", err.getvalue()  # a missing index is a warning
    [index] = [f for f in json.loads(out.getvalue())["findings"] if f["kind"] == "missing_index"]
    assert index["evidence"]["fix_verified"] is True and "CREATE INDEX" in index["fix_sql"]


MODELS = """
from sqlalchemy import BigInteger, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(Text)
"""


def test_a_column_added_by_hand_and_in_the_models_is_recorded_as_the_next_migration(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "app_models.py").write_text(MODELS)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n"
    )
    (tmp_path / "pgwarden.toml").write_text('models = "app_models:Base"\nmigrations = "migrations"\n')
    dev = ("--dev-url", with_dbname(db_url, "postgres"))

    def run(*argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--config", str(tmp_path / "pgwarden.toml"), *argv], out, err)
        assert code != 70 and code != 2, err.getvalue()
        return code, out.getvalue()

    assert run("migrate", "up", "--db", db_url)[0] == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN lang text")
    code, out = run("check", "--db", db_url, *dev, "--format", "json")
    [lang] = [f for f in json.loads(out)["findings"] if f["object"] == "public.users.lang"]
    assert lang["evidence"]["lags"] == "migrations" and lang["fix_sql"] is None

    code, out = run("check", "--db", db_url, *dev, "--record-migration", "add users lang")
    written = tmp_path / "migrations" / "002_add_users_lang.sql"
    assert "Wrote migrations/002_add_users_lang.sql with 1 change(s)" in out, out
    assert "--mark-applied 2" in out
    text = written.read_text()
    assert 'ADD COLUMN "lang" text' in text and "public.users.lang" in text

    assert run("migrate", "repair", "--db", db_url, "--mark-applied", "2")[0] == 0
    code, out = run("check", "--db", db_url, *dev, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, []), out
    code, out = run("check", "--db", db_url, *dev, "--record-migration", "again")
    assert "Nothing to record" in out and not (tmp_path / "migrations" / "003_again.sql").exists()


class _Counted:
    """A scratch server factory that says who it is (so verdicts are cached) and counts its starts."""

    def __init__(self, scratch: Scratch) -> None:
        self.scratch = scratch
        self.started = 0

    def __call__(self) -> Scratch:
        self.started += 1
        return self.scratch

    def identity(self) -> str:
        return "test-scratch"


def test_verdicts_are_cached_by_live_schema_sources_and_fixes_and_give_the_same_findings(
    db_url: str, scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    expected_url = scratch.create_database("expected")
    try:
        with psycopg.connect(expected_url, autocommit=True) as conn:
            conn.execute(SCHEMA + INDEX)
            expected = inspect(conn)
    finally:
        scratch.drop_database(expected_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        live = inspect(conn)
    sources = [Expected("migrations", "migrations", expected)]
    findings = compare(sources, live).findings

    def again(schema: object) -> list:  # type: ignore[type-arg]
        return compare(sources, schema).findings  # type: ignore[arg-type]

    server = _Counted(scratch)
    first = verify_fixes(findings, live, again, server, sources=sources)
    assert server.started == 1
    second = verify_fixes(findings, live, again, server, sources=sources)
    assert server.started == 1  # the verdicts came from the cache
    assert second == first
    assert [f.evidence.get("fix_verified") for f in first if f.fix_sql] == [True]
    # Another fix is another key: tried again.
    other = [replace(f, fix_sql="SELECT 1;") if f.fix_sql else f for f in findings]
    withdrawn = verify_fixes(other, live, again, server, sources=sources)
    assert server.started == 2
    assert [f.evidence.get("fix_verified") for f in withdrawn if "unverified_fix_sql" in f.evidence] == [
        False
    ]
    # Another live schema is another key too.
    changed = replace(live, tables=())
    verify_fixes(compare(sources, changed).findings, changed, again, server, sources=sources)
    assert server.started == 3
    # Nothing to fix: no scratch at all.
    unfixed = [replace(f, fix_sql=None) for f in findings]
    assert verify_fixes(unfixed, live, again, server, sources=sources) == unfixed
    assert server.started == 3
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")
    assert verify_fixes(findings, live, again, server, sources=sources) == first
    assert server.started == 4


def test_check_verifies_fixes_by_default_and_prints_the_same_bytes_from_the_cache(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(SCHEMA + INDEX)
    (tmp_path / "pgwarden.toml").write_text('migrations = "migrations"\n')
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
    dev = with_dbname(db_url, "postgres")

    def run(*extra: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        code = main(["check", "--db", db_url, "--dev-url", dev, *extra], out, err)
        assert code in (0, 1) and err.getvalue() == "", err.getvalue()
        return out.getvalue()

    uncached = run("--format", "json")
    entries = list((tmp_path / "cache" / "fixes").glob("*.json"))
    assert len(entries) == 1
    [index] = [f for f in json.loads(uncached)["findings"] if f["kind"] == "missing_index"]
    assert index["evidence"]["fix_verified"] is True
    assert run("--format", "json") == uncached
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")
    assert run("--format", "json") == uncached
    monkeypatch.delenv("PGWARDEN_NO_CACHE")
    assert run() == run()  # the text report too
    skipped = json.loads(run("--format", "json", "--no-verify-fixes"))
    [index] = [f for f in skipped["findings"] if f["kind"] == "missing_index"]
    assert "fix_verified" not in index["evidence"]


def test_a_migration_body_is_not_tried_on_the_live_copy(db_url: str, scratch: Scratch) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        live = inspect(conn)
    body = Finding(
        "PW102",
        "missing_column",
        Severity.ERROR,
        "public.users.note",
        "Model changed without a migration: column public.users.note ...",
        fix_sql='ALTER TABLE "public"."users" ADD COLUMN "note" text;',
        evidence={"where": "models_vs_migrations", "fix_is": "migration body"},
    )
    server = _Counted(scratch)
    assert verify_fixes([body], live, lambda schema: [body], server) == [body]
    assert server.started == 0  # nothing for live: no scratch database either


def test_a_fix_that_needs_another_fix_first_is_verified_after_it(db_url: str, scratch: Scratch) -> None:
    # A database that lost both tables (incident 004): `alpha`'s CREATE TABLE names `zeta`, whose
    # own fix comes after it in the report's order. Each fix is fair once the other ran.
    expected_url = scratch.create_database("expected")
    try:
        with psycopg.connect(expected_url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE zeta (id bigint PRIMARY KEY);"
                "CREATE TABLE alpha (id bigint PRIMARY KEY, zeta_id bigint NOT NULL REFERENCES zeta (id));"
            )
            expected = inspect(conn)
    finally:
        scratch.drop_database(expected_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        live = inspect(conn)
    sources = [Expected("migrations", "migrations", expected)]
    findings = compare(sources, live).findings
    assert [f.object for f in findings if f.fix_sql] == ["public.alpha", "public.zeta"]

    def again(schema: object) -> list:  # type: ignore[type-arg]
        return compare(sources, schema).findings  # type: ignore[arg-type]

    verified = verify_fixes(findings, live, again, lambda: scratch)
    assert [(f.object, f.evidence.get("fix_verified")) for f in verified if f.fix_sql] == [
        ("public.alpha", True),
        ("public.zeta", True),
    ]
