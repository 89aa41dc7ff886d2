"""Text output for lint findings: per file, each with its source line and a caret under the column."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import IO

from rich.text import Text

from .._text import console_for, summary_line
from ..findings import Finding

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _where(f: Finding) -> tuple[str, int, int]:
    path, _, rest = f.object.rpartition(":")
    path, _, line = path.rpartition(":")
    return path, int(line) if line.isdigit() else 0, int(rest) if rest.isdigit() else 0


def render_text(
    findings: Sequence[Finding], out: IO[str], *, color: bool | None = None, title: str = ""
) -> None:
    console = console_for(out, color)
    if title:
        console.print(Text(title, style="bold"))
    ordered = sorted(findings, key=_where)
    for path, items in groupby(ordered, key=lambda f: _where(f)[0]):
        console.print()
        console.print(Text(path, style="bold underline"))
        for f in items:
            _, line, col = _where(f)
            sev = f.severity.value
            head = Text(f"  {line}:{col} ")
            head.append(sev, style=_STYLE[sev])
            head.append(f" {f.code}", style="dim")
            head.append(f"  {f.message}")
            console.print(head)
            source_line = f.evidence.get("source_line")
            if isinstance(source_line, str) and line:
                gutter = f"  {line:>5} | "
                console.print(Text(gutter, style="dim") + Text(source_line.expandtabs(1)))
                console.print(Text(" " * (len(gutter) + max(col - 1, 0)) + "^", style=_STYLE[sev]))
            if f.hint:
                console.print(Text("        hint: ", style="dim") + Text(f.hint))
    console.print()
    console.print(summary_line(findings))
