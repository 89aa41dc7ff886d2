"""Check's text report: the plain lines written off a terminal are exactly what rich would print."""

from __future__ import annotations

import io

from rich.text import Text

from pgwarden import _text
from pgwarden.findings import Finding, Severity


def _finding(
    obj: str, message: str, *, hint: str = "", fix: str | None = None, sev: str = "warning"
) -> Finding:
    return Finding(
        code="PW101",
        kind="some_kind",
        severity=Severity(sev),
        object=obj,
        message=message,
        hint=hint,
        fix_sql=fix,
        source="drift",
        evidence={},
    )


FINDINGS = [
    _finding(
        "public.users.email",
        "tab\there [bold]not markup[/bold] (incident 000).",
        hint="brackets \\[x] [y] stay, :smile: is not an emoji (incident 002)  ",
        fix="ALTER TABLE a\n  ADD b int;\n\tDROP x;",
        sev="error",
    ),
    _finding("public.users", "ünï 日本語 " + "long " * 40, hint="x\r\x07y\x0b"),
    _finding("public.f(integer)", "a function", fix="CREATE FUNCTION [x]"),
    _finding("migrations/001_a.sql:3:4", "a file", sev="info"),
    _finding("bot@host:5432/db", "a server"),
]


def _as_rich_prints(findings: list[Finding], title: str) -> str:
    buf = io.StringIO()
    console = _text.console_for(buf, False)
    for line in _text._lines(findings, title):
        text = Text()
        for segment, style in line:
            text.append(segment, style=style)
        console.print(text)
    return buf.getvalue()


def test_plain_output_is_what_rich_prints_without_colour() -> None:
    for findings in (FINDINGS, [], FINDINGS[:1]):
        out = io.StringIO()
        _text.render_text(findings, out, color=False, title="pgwarden check: 3 sources")
        assert out.getvalue() == _as_rich_prints(findings, "pgwarden check: 3 sources")


def test_hints_and_fixes_are_literal_text() -> None:
    out = io.StringIO()
    _text.render_text(FINDINGS[:1], out, color=False)
    text = out.getvalue()
    assert "        hint: brackets \\[x] [y] stay, :smile: is not an emoji" in text
    assert "        fix:  ALTER TABLE a\n                ADD b int;\n" in text
    assert "\n" + "  error PW101 tab\there".expandtabs(8) + " [bold]not markup[/bold]" in text


def test_colour_on_a_terminal_still_draws_with_rich() -> None:
    out = io.StringIO()
    _text.render_text(FINDINGS[:1], out, color=True)
    assert "\x1b[" in out.getvalue()
