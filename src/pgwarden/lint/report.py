"""Text output for lint findings: per file, each with its source line and a caret under the column.

Off a terminal (a pipe, a file, CI) the lines are written as plain strings; rich only draws the
coloured version. Rich costs ~0.3 ms per printed line, which made the text format of a large run
(thousands of findings) take seconds, longer than linting itself. Both draw the same lines (a
test compares them): ``_lines`` is the layout, ``_plain_lines`` the same text as strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import IO

from .._text import _CONTROL, Line, summary_segments, write_lines
from ..findings import Finding, batches

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


def _plain_lines(findings: Sequence[Finding], title: str) -> Iterator[str]:
    """``_lines`` joined into text lines, without building segments (~30,000 lines for 7,500 findings)."""
    if title:
        yield title + "\n"
    ordered = sorted(((_where(f), f) for f in findings), key=lambda pair: pair[0])
    for path, items in groupby(ordered, key=lambda pair: pair[0][0]):
        yield f"\n{path}\n"
        for (_, line, col), f in items:
            yield f"  {line}:{col} {f.severity._value_} {f.code}  {f.message}\n"  # _value_: no descriptor call
            source_line = f.evidence.get("source_line")
            if isinstance(source_line, str) and line:
                gutter = f"  {line:>5} | "
                caret = " " * (len(gutter) + max(col - 1, 0))
                yield f"{gutter}{source_line.expandtabs(1)}\n{caret}^\n"
            if f.hint:
                yield f"        hint: {f.hint}\n"
    yield "\n" + "".join(segment for segment, _ in summary_segments(findings)) + "\n"


def _as_printed(lines: Iterator[str]) -> Iterator[str]:
    """Batches of whole lines as rich prints them: control codes dropped, tabs expanded to 8.

    Both work line by line (``expandtabs`` restarts at each newline), so a batch of lines comes
    out as the lines one by one would.
    """
    for batch in batches(lines):
        yield _printed(batch)


def _printed(text: str) -> str:
    # A search per character finds none of them in a few microseconds; the regex takes 5 ms a MB.
    if any(char in text for char in _CONTROL_CHARS):
        text = _CONTROL.sub("", text)
    return text.expandtabs(8) if "\t" in text else text


_CONTROL_CHARS = "\x07\x08\x0b\x0c\r"
"""What ``_text._CONTROL`` matches."""


def render_text(
    findings: Sequence[Finding], out: IO[str], *, color: bool | None = None, title: str = ""
) -> None:
    if color is None:
        color = bool(getattr(out, "isatty", lambda: False)())
    if color:
        write_lines(out, _lines(findings, title), color=True)
    else:
        for text in _as_printed(_plain_lines(findings, title)):
            out.write(text)
