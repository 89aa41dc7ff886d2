"""Human-readable rendering of findings: grouped by table, colour only on a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from .findings import Finding, summarize
from .incidents import cite_text

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


def summary_line(findings: Sequence[Finding]) -> Text:
    counts = summarize(findings)
    if not counts["total"]:
        return Text("No findings: everything agrees.", style="bold green")
    text = Text()
    parts = [("error", "error"), ("warning", "warning"), ("info", "info")]
    for i, (key, word) in enumerate(parts):
        n = counts[key]
        if i:
            text.append(", ")
        label = f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"
        text.append(label, style=_STYLE[key] if n else "dim")
    return text
