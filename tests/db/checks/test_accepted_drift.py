"""Accepted drift: `check --accept` writes a reviewed file; check and the schema gate then block only on new drift."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgwarden.catalog import inspect, serialize
from pgwarden.checks import accepted
from pgwarden.cli import main
from pgwarden.config import Config
from pgwarden.errors import ConfigError
from pgwarden.findings import Finding, Severity
from pgwarden.orchestrator import ContractCheck
from pgwarden.runtime.gate import run_gate
from pgwarden.runtime.settings import RuntimeSettings

MIGRATION = "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, payload text);\n"


def project(tmp: Path) -> Path:
    (tmp / "migrations").mkdir()
    (tmp / "migrations" / "001_init.sql").write_text(MIGRATION)
    (tmp / "pgwarden.toml").write_text('migrations = "migrations"\n')
    return tmp


def check(root: Path, db_url: str, *extra: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url, *extra], out, err)
    return code, out.getvalue() + err.getvalue()


def test_accepted_drift_passes_new_and_changed_drift_fails_and_gone_drift_is_said(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    root = project(tmp_path)
    # Older than pgwarden: payload became jsonb by hand.
    conn.execute("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, payload jsonb)")
    code, text = check(root, db_url)
    assert code == 1 and "PW106" in text

    code, text = check(root, db_url, "--accept")
    assert code == 0, text
    assert "Accepted 1 finding(s)" in text
    saved = json.loads((root / accepted.DEFAULT_NAME).read_text())
    assert [(e["code"], e["object"]) for e in saved["accepted"]] == [("PW106", "public.users.payload")]

    code, text = check(root, db_url)
    assert code == 0, text
    assert "Accepted in " in text and f"{accepted.DEFAULT_NAME}: " in text  # listed, not hidden
    out, err = io.StringIO(), io.StringIO()
    main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url, "--format", "json"], out, err)
    summary = json.loads(out.getvalue())
    assert summary["accepted"] == 1 and summary["accepted_file"].endswith(accepted.DEFAULT_NAME)

    conn.execute("ALTER TABLE users ALTER COLUMN id TYPE integer")  # new drift
    code, text = check(root, db_url)
    assert code == 1 and "public.users.id" in text and "Accepted in" in text

    conn.execute("ALTER TABLE users ALTER COLUMN id TYPE bigint")
    conn.execute("ALTER TABLE users ALTER COLUMN payload TYPE varchar(200)")  # accepted object changed
    code, text = check(root, db_url)
    assert code == 1 and "changed since it was accepted" in text

    conn.execute("ALTER TABLE users ALTER COLUMN payload TYPE text")  # fixed: the entry is stale
    code, text = check(root, db_url)
    assert code == 0 and "PW307" in text and "no longer occur" in text


def test_the_gate_blocks_on_old_drift_naming_the_ways_out_and_passes_once_it_is_accepted(
    tmp_path: Path, db_url: str, conn: psycopg.Connection
) -> None:
    conn.execute(MIGRATION)
    serialize.write(inspect(conn), tmp_path / "schema.json")
    conn.execute(
        "ALTER TABLE users ALTER COLUMN payload TYPE jsonb USING payload::jsonb"
    )  # older than pgwarden
    (tmp_path / "pgwarden.toml").write_text('snapshot = "schema.json"\n')
    cfg = Config(root=tmp_path, snapshot=tmp_path / "schema.json")
    settings = RuntimeSettings(name="bot")
    reasons = run_gate(cfg, settings, db_url, check=ContractCheck())
    assert len(reasons) == 1
    assert "pgwarden check --accept" in reasons[0] and "[runtime] contract_check" in reasons[0]
    assert check(tmp_path, db_url, "--accept")[0] == 0
    assert run_gate(cfg, settings, db_url, check=ContractCheck()) == []


def test_ignore_applies_to_a_snapshot_too(tmp_path: Path, db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE legacy_audit (id int)")
    serialize.write(inspect(conn), tmp_path / "schema.json")
    conn.execute("DROP TABLE legacy_audit")
    (tmp_path / "pgwarden.toml").write_text('snapshot = "schema.json"\nignore = ["public.legacy_*"]\n')
    code, text = check(tmp_path, db_url)
    assert code == 0 and "legacy_audit" not in text, text


def finding(obj: str, actual: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(
        "PW106",
        "type_mismatch",
        severity,
        obj,
        f"{obj} is {actual}",
        evidence={"expected": "text", "actual": actual},
    )


def test_apply_matches_by_object_and_state_and_leaves_other_sources_alone(tmp_path: Path) -> None:
    path = tmp_path / accepted.DEFAULT_NAME
    entries = accepted.write(path, [finding("public.t.a", "jsonb"), finding("public.t.b", "jsonb")])
    assert accepted.read(path) == entries
    invariant = Finding("PW301", "rule", Severity.ERROR, "rule", "rows break it", source="invariant")
    result = accepted.apply(
        [finding("public.t.a", "jsonb"), finding("public.t.b", "xml"), invariant], entries, path
    )
    assert [f.severity for f in result] == [Severity.INFO, Severity.ERROR, Severity.ERROR]
    assert result[0].evidence["accepted_severity"] == "error"
    assert "changed since" in result[1].message and result[2] is invariant


def test_a_new_alembic_head_elsewhere_leaves_an_accepted_finding_accepted() -> None:
    before = finding("public.t.a", "jsonb")
    before = replace(before, evidence={**before.evidence, "alembic_heads": ["aa11"]})
    after = replace(before, evidence={**before.evidence, "alembic_heads": ["bb22"]})
    assert accepted.state_of(before) == accepted.state_of(after)


def test_a_damaged_accepted_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / accepted.DEFAULT_NAME
    assert accepted.read(path) is None
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        accepted.read(path)
    path.write_text('{"format": 99, "accepted": []}')
    with pytest.raises(ConfigError, match="check --accept"):
        accepted.read(path)
