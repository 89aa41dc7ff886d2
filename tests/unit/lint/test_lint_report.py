"""Lint's text report: the plain lines written off a terminal are exactly what rich would print."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

from rich.text import Text

from pgwarden._text import _CONTROL, console_for
from pgwarden.findings import CHUNK, Finding, Severity
from pgwarden.lint import report


def _finding(
    obj: str, message: str, *, hint: str = "", source_line: str | None = None, sev: str = "warning"
) -> Finding:
    evidence = {"source_line": source_line} if source_line is not None else {}
    return Finding(
        code="PW900",
        kind="some-rule",
        severity=Severity(sev),
        object=obj,
        message=message,
        hint=hint,
        source="lint",
        evidence=evidence,
    )


FINDINGS = [
    _finding(
        "db/002_b.sql:3:4",
        "tab\there, trailing spaces   ",
        hint="x\r\x07y ünï 日本語 " + "long " * 40,
        source_line="\tSELECT 1;   \x0b",
    ),
    _finding(
        "db/001_a.sql:12:1",
        "[bold]not markup[/bold] :smile:",
        source_line="ALTER TABLE t ADD COLUMN c int;",
        sev="error",
    ),
    _finding(
        "db/001_a.sql:2:9", "second in the file, first by line", hint="a hint", source_line="x", sev="info"
    ),
    _finding("notes/odd name é.sql:0:0", "no line: no source shown", source_line="never printed"),
]


def _as_rich_prints(findings: list[Finding], title: str) -> str:
    buf = io.StringIO()
    console = console_for(buf, False)
    for line in report._lines(findings, title):
        text = Text()
        for segment, style in line:
            text.append(segment, style=style)
        console.print(text)
    return buf.getvalue()


def test_plain_output_is_what_rich_prints_without_colour() -> None:
    for findings in (FINDINGS, [], FINDINGS[1:2]):
        out = io.StringIO()
        report.render_text(findings, out, color=False, title="pgwarden lint: 4 rules")
        assert out.getvalue() == _as_rich_prints(findings, "pgwarden lint: 4 rules")


def test_plain_output_groups_by_file_in_line_order() -> None:
    out = io.StringIO()
    report.render_text(FINDINGS, out, color=False)
    text = out.getvalue()
    assert (
        text.index("db/001_a.sql")
        < text.index("  2:9 info")
        < text.index("  12:1 error")
        < text.index("db/002_b.sql")
    )
    assert "      3 |  SELECT 1;   \n" in text  # the source line, tabs as one space, vertical tab dropped
    assert "                ^\n" in text  # the caret under column 4 of line 3
    assert "never printed" not in text
    assert text.endswith("\n1 error, 2 warnings, 1 info\n")


def test_colour_output_still_goes_through_rich() -> None:
    out = io.StringIO()
    report.render_text(FINDINGS[1:2], out, color=True)
    assert "\x1b[" in out.getvalue()


def test_plain_output_does_not_import_rich() -> None:
    code = (
        "import io, sys\n"
        "from pgwarden.findings import Finding, Severity\n"
        "from pgwarden.lint.report import render_text\n"
        "f = Finding(code='PW900', kind='k', severity=Severity.ERROR, object='a.sql:1:1', message='m', source='lint')\n"
        "render_text([f], io.StringIO(), color=False)\n"
        "print('rich' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_plain_output_of_many_findings_written_in_batches_is_what_rich_prints() -> None:
    many = [
        _finding(
            f"db/{i // 50:03d}_x.sql:{i % 50 + 1}:{i % 7 + 1}",
            f"message {i}\twith a tab " + "and words " * 20 + ("\x0c" if i % 97 == 0 else ""),
            hint="\x08hint\t" if i % 3 == 0 else "",
            source_line=f"\tALTER TABLE t{i} ADD COLUMN c int;\r"
            if i % 2
            else f"CREATE INDEX i{i} ON t (c);",
            sev=("error", "warning", "info")[i % 3],
        )
        for i in range(700)
    ]
    out = io.StringIO()
    report.render_text(many, out, color=False, title="pgwarden lint: 37 rules")
    assert len(out.getvalue()) > 3 * CHUNK  # several batches
    assert out.getvalue() == _as_rich_prints(many, "pgwarden lint: 37 rules")


def test_the_control_characters_searched_are_the_ones_rich_drops() -> None:
    assert {c for c in map(chr, range(0x3000)) if _CONTROL.match(c)} == set(report._CONTROL_CHARS)


def _json_as_before(findings: list[Finding], extra: dict[str, object] | None = None) -> str:
    """The json format as written from ``to_dict`` by the standard library."""
    import json

    from pgwarden.findings import sort_findings, summarize

    ordered = sort_findings(findings)
    doc = {"findings": [f.to_dict() for f in ordered], "summary": summarize(ordered), **(extra or {})}
    return json.dumps(doc, indent=2, default=str) + "\n"


def test_json_written_from_the_findings_is_what_their_dicts_give() -> None:
    from pgwarden import formats

    fixed = dataclasses.replace(FINDINGS[0], fix_sql="SELECT 1;", severity=Severity.ERROR)
    surrogate = dataclasses.replace(FINDINGS[1], message="lone \ud800 surrogate")
    odd = dataclasses.replace(FINDINGS[1], evidence={"ratio": 1.5})  # not plain: the standard library
    for findings, extra in (
        (FINDINGS, None),
        ([*FINDINGS, fixed], {"against": "x", "summary": "replaced"}),
        ([*FINDINGS, surrogate], None),
        ([*FINDINGS, odd], None),
        ([], None),
    ):
        out = io.StringIO()
        formats.render(findings, "json", out, extra=extra)
        assert out.getvalue() == _json_as_before(findings, extra)
