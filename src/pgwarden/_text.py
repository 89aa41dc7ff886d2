"""Human-readable rendering of findings: grouped by table, colour only on a terminal."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from typing import IO, TYPE_CHECKING

from .findings import Finding, summarize, write_pieces

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


Line = list[tuple[str, str | None]]
"""One output line as (text, rich style or None) segments."""

# What rich's Text drops from the strings it prints (rich.control.strip_control_codes):
# bell, backspace, vertical tab, form feed, carriage return. The plain path drops them too.
_CONTROL = re.compile("[\x07\x08\x0b\x0c\r]")


def _cite_text(text: str) -> str:
    from .incidents import cite_text  # the incidents' table: only when there is a finding to print

    return cite_text(text)


def _lines(findings: Sequence[Finding], title: str) -> Iterator[Line]:
    if title:
        yield [(title, "bold")]
    ordered = sorted(findings, key=lambda f: (group_of(f.object), f.severity.rank, f.object))
    for group, items in groupby(ordered, key=lambda f: group_of(f.object)):
        yield []
        yield [(group, "bold underline")]
        for f in items:
            sev = f.severity.value
            yield [
                ("  ", None),
                (_LABEL[sev], _STYLE[sev]),
                (f" {f.code} ", "dim"),
                (_cite_text(f.message), None),
            ]
            if f.hint:
                yield [("        ", None), ("hint:", "dim"), (f" {_cite_text(f.hint)}", None)]
            if f.fix_sql:
                lines = f.fix_sql.strip().splitlines()
                yield [("        ", None), ("fix:", "dim"), ("  ", None), (lines[0], "green")]
                for extra in lines[1:]:
                    yield [("              ", None), (extra, "green")]
    yield []
    yield summary_segments(findings)


def _plain(line: Line) -> str:
    # as rich prints it: control codes dropped, tabs expanded to its tab size of 8
    text = _CONTROL.sub("", "".join(segment for segment, _ in line))
    return (text.expandtabs(8) if "\t" in text else text) + "\n"


def write_lines(out: IO[str], lines: Iterable[Line], *, color: bool | None = None) -> None:
    """Styled lines to ``out``. Off a terminal they are written as plain strings (rich's import and
    per-line cost are for colour only); both draw the same text."""
    if color is None:
        color = bool(getattr(out, "isatty", lambda: False)())
    if not color:
        write_pieces(out, (_plain(line) for line in lines))
        return
    from rich.text import Text

    console = console_for(out, color)
    for line in lines:
        text = Text()
        for segment, style in line:
            text.append(segment, style=style)
        console.print(text)


def render_text(
    findings: Sequence[Finding], out: IO[str], *, color: bool | None = None, title: str = ""
) -> None:
    """Findings grouped by table."""
    write_lines(out, _lines(findings, title), color=color)


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
