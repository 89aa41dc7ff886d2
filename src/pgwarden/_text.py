"""Human-readable rendering of findings: grouped by table, colour only on a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import IO, TYPE_CHECKING

from .findings import Finding, summarize
from .incidents import cite_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# rich is imported where it draws (~50 ms): plain-text callers such as lint's report need only
# summary_segments.

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_LABEL = {"error": "error", "warning": "warn ", "info": "info "}


def group_of(obj: str) -> str:
    """The heading a finding is listed under: its table, its file, or its object kind."""
    if "(" in obj:
        return "functions and procedures"
    head, sep, tail = obj.rpartition(":")
    if sep and tail.isdigit():
        return group_of(head) if head.rpartition(":")[2].isdigit() else head
    if "@" in obj or "/" in obj:  # a server (user@host:port/db) or a file: dots are not schema.table
        return obj
    parts = obj.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else obj


def console_for(out: IO[str], color: bool | None = None) -> Console:
    from rich.console import Console

    if color is None:
        color = bool(getattr(out, "isatty", lambda: False)())
    return Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=not color,
        width=100 if not color else None,
    )


def render_text(
    findings: Sequence[Finding], out: IO[str], *, color: bool | None = None, title: str = ""
) -> None:
    from rich.markup import escape
    from rich.text import Text

    console = console_for(out, color)
    if title:
        console.print(Text(title, style="bold"))
    ordered = sorted(findings, key=lambda f: (group_of(f.object), f.severity.rank, f.object))
    for group, items in groupby(ordered, key=lambda f: group_of(f.object)):
        console.print()
        console.print(Text(group, style="bold underline"))
        for f in items:
            sev = f.severity.value
            line = Text("  ")
            line.append(_LABEL[sev], style=_STYLE[sev])
            line.append(f" {f.code} ", style="dim")
            line.append(cite_text(f.message))
            console.print(line)
            if f.hint:
                console.print(f"        [dim]hint:[/dim] {escape(cite_text(f.hint))}")
            if f.fix_sql:
                lines = f.fix_sql.strip().splitlines()
                console.print(f"        [dim]fix:[/dim]  [green]{escape(lines[0])}[/green]")
                for extra in lines[1:]:
                    console.print(f"              [green]{escape(extra)}[/green]")
    console.print()
    console.print(summary_line(findings))


def summary_segments(findings: Sequence[Finding]) -> list[tuple[str, str | None]]:
    """The closing line (``2 errors, 1 warning, 0 info``) as (text, rich style or None) segments."""
    counts = summarize(findings)
    if not counts["total"]:
        return [("No findings: everything agrees.", "bold green")]
    segments: list[tuple[str, str | None]] = []
    parts = [("error", "error"), ("warning", "warning"), ("info", "info")]
    for i, (key, word) in enumerate(parts):
        n = counts[key]
        if i:
            segments.append((", ", None))
        label = f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"
        segments.append((label, _STYLE[key] if n else "dim"))
    return segments


def summary_line(findings: Sequence[Finding]) -> Text:
    from rich.text import Text

    segments = summary_segments(findings)
    if len(segments) == 1:
        return Text(segments[0][0], style=segments[0][1] or "")
    text = Text()
    for segment, style in segments:
        text.append(segment, style=style)
    return text
