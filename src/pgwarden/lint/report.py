"""Text output for lint findings: per file, each with its source line and a caret under the column.

Off a terminal (a pipe, a file, CI) the lines are written as plain strings; rich only draws the
coloured version. Rich costs ~0.3 ms per printed line, which made the text format of a large run
(thousands of findings) take seconds, longer than linting itself. Both draw the same lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import IO

from .._text import summary_segments
from ..findings import Finding, write_pieces

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# What rich's Text drops from the strings it prints (rich.control.strip_control_codes):
# bell, backspace, vertical tab, form feed, carriage return. The plain path drops them too.
_CONTROL = re.compile("[\x07\x08\x0b\x0c\r]")

Line = list[tuple[str, str | None]]
"""One output line as (text, rich style or None) segments."""


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


def _plain(line: Line) -> str:
    # as rich prints it: control codes dropped, tabs expanded to its tab size of 8
    text = _CONTROL.sub("", "".join(segment for segment, _ in line))
    return (text.expandtabs(8) if "\t" in text else text) + "\n"


def render_text(
    findings: Sequence[Finding], out: IO[str], *, color: bool | None = None, title: str = ""
) -> None:
    if color is None:
        color = bool(getattr(out, "isatty", lambda: False)())
    if not color:
        write_pieces(out, (_plain(line) for line in _lines(findings, title)))
        return
    from rich.text import Text  # a terminal: colour, and rich's import (~50 ms) is worth it

    from .._text import console_for

    console = console_for(out, color)
    for line in _lines(findings, title):
        text = Text()
        for segment, style in line:
            text.append(segment, style=style)
        console.print(text)
