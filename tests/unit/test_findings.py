"""Finding rendering: json contract, GitHub annotations, SARIF 2.1.0, text, exit codes."""

from __future__ import annotations

import io
import json

from pgwarden.findings import Finding, Severity, exit_code
from pgwarden.formats import render

F = [
    Finding(
        code="PW103",
        kind="missing_column",
        severity=Severity.ERROR,
        object="public.jobs.chat_id",
        message="Column public.jobs.chat_id is expected but missing.",
        hint="Apply the migration that adds it.",
        fix_sql="ALTER TABLE public.jobs ADD COLUMN chat_id bigint",
        evidence={"expected": {"type": "bigint"}},
    ),
    Finding(
        code="lint",
        kind="require-timeout",
        severity=Severity.WARNING,
        object="migrations/006_create.sql:12:5",
        message="No lock_timeout.",
        source="lint",
    ),
]


def rendered(fmt: str, findings: list[Finding] = F) -> str:
    out = io.StringIO()
    render(findings, fmt, out, color=False)
    return out.getvalue()


def test_json_contract() -> None:
    doc = json.loads(rendered("json"))
    assert doc["summary"] == {"total": 2, "error": 1, "warning": 1, "info": 0}
    first = doc["findings"][0]
    assert list(first) == [
        "code",
        "kind",
        "severity",
        "object",
        "message",
        "hint",
        "fix_sql",
        "source",
        "evidence",
    ]
    assert first["severity"] == "error" and first["fix_sql"].startswith("ALTER TABLE")


def test_github_annotations() -> None:
    lines = rendered("github").splitlines()
    assert lines[0].startswith("::error title=PW103 missing_column public.jobs.chat_id::Column")
    assert lines[1].startswith("::warning file=migrations/006_create.sql,line=12,col=5,")


def test_sarif() -> None:
    doc = json.loads(rendered("sarif"))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"PW103", "lint"}
    located = run["results"][1]["locations"][0]["physicalLocation"]
    assert located == {
        "artifactLocation": {"uri": "migrations/006_create.sql"},
        "region": {"startLine": 12, "startColumn": 5},
    }


def test_text_groups_by_table_and_has_no_colour_off_a_terminal() -> None:
    text = rendered("text")
    assert "\x1b[" not in text
    assert "public.jobs" in text and "migrations/006_create.sql" in text
    assert "fix:  ALTER TABLE public.jobs ADD COLUMN chat_id bigint" in text
    assert text.rstrip().endswith("1 error, 1 warning, 0 info")


def test_text_when_clean() -> None:
    assert "No findings" in rendered("text", [])


def test_exit_codes() -> None:
    assert exit_code(F) == 1
    assert exit_code(F[1:]) == 0
    assert exit_code(F[1:], strict=True) == 1
    assert exit_code([]) == 0


def test_text_groups_servers_and_files_whole() -> None:
    from pgwarden._text import group_of

    assert group_of("bot@127.0.0.1:5432/shop") == "bot@127.0.0.1:5432/shop"
    assert (
        group_of("/opt/bot/app/__pycache__/db.cpython-39.pyc") == "/opt/bot/app/__pycache__/db.cpython-39.pyc"
    )
    assert group_of("public.jobs.chat_id") == "public.jobs"
    assert group_of("migrations/006.sql:12:5") == "migrations/006.sql"
