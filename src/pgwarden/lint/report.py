"""Text output for lint findings: per file, each with its source line and a caret under the column.

Off a terminal (a pipe, a file, CI) the lines are written as plain strings; rich only draws the
coloured version. Rich costs ~0.3 ms per printed line, which made the text format of a large run
(thousands of findings) take seconds, longer than linting itself. Both draw the same lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import IO

from .._text import Line, summary_segments, write_lines
from ..findings import Finding

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _where(f: Finding) -> tuple[str, int, int]:
    path, _, rest = f.object.rpartition(":")
    path, _, line = path.rpartition(":")
    return path, int(line) if line.isdigit() else 0, int(rest) if rest.isdigit() else 0


def _lines(findings: Sequence[Finding], title: str) -> Iterator[Line]:
    if title:
        yield [(title, "bold")]
    ordered = sorted(((_where(f), f) for f in findings), key=lambda pair: pair[0])
    for path, items in groupby(ordered, key=lambda pair: pair[0][0]):
        yield []
        yield [(path, "bold underline")]
        for (_, line, col), f in items:
            sev = f.severity.value
            yield [
                (f"  {line}:{col} ", None),
                (sev, _STYLE[sev]),
                (f" {f.code}", "dim"),
                (f"  {f.message}", None),
            ]
            source_line = f.evidence.get("source_line")
            if isinstance(source_line, str) and line:
                gutter = f"  {line:>5} | "
                yield [(gutter, "dim"), (source_line.expandtabs(1), None)]
                yield [(" " * (len(gutter) + max(col - 1, 0)) + "^", _STYLE[sev])]
            if f.hint:
                yield [("        hint: ", "dim"), (f.hint, None)]
    yield []
    yield summary_segments(findings)


def render_text(
    findings: Sequence[Finding], out: IO[str], *, color: bool | None = None, title: str = ""
) -> None:
    write_lines(out, _lines(findings, title), color=color)
