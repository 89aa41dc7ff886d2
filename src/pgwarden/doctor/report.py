"""The doctor's report: incidents per signature and unclassified groups, as JSON or as text for people."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any

from ..findings import Severity
from ..incidents import cite_text
from .cluster import Cluster
from .scan import Result, Tally
from .signature_catalog import Signature

__all__ = ["Incident", "Group", "LogReport", "build", "command_to_run", "render_text", "size", "to_dict"]

GARBAGE_TEMPLATE = "<binary data or invalid UTF-8>"
_SECRETS = (
    (re.compile(r"(\w[\w+.-]*://[^:/\s@]*:)[^@\s]+@"), r"\1***@"),  # URL passwords
    (re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE), r"\1***"),
    (re.compile(r"(\bbot\d{5,}:)[\w-]{20,}"), r"\1***"),  # Telegram bot tokens in API URLs
)


def redact(text: str) -> str:
    """``text`` without passwords and bot tokens: log lines quote connection URLs and API URLs."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


MAX_GROUPS = 50


def size(n: int) -> str:
    """``512 bytes``, ``12 KB``, ``3.4 MB``, ``1.2 GB`` (powers of 1,000, like the bytes a disk tool shows)."""
    if n < 1000:
        return f"{n:,} byte{'s' if n != 1 else ''}"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)):
        value = n / scale
        if value < 999.5 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 9.95 else f"{value:,.0f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def command_to_run(sig: Signature) -> str | None:
    """The signature's command, unless it is the doctor's own log reading (the reader just ran it)."""
    return None if sig.command.startswith("pgwarden doctor logs") else sig.command


@dataclass(frozen=True)
class Incident:
    signature: Signature
    tally: Tally

    def to_dict(self) -> dict[str, Any]:
        sig, t = self.signature, self.tally
        return {
            "signature": sig.id,
            "title": sig.title,
            "severity": sig.severity.value,
            "count": t.count,
            "first_seen": _iso(t.first_seen),
            "last_seen": _iso(t.last_seen),
            "examples": [redact(e) for e in t.examples],
            "explanation": sig.explanation,
            "remedy": sig.remedy,
            "command": sig.command,
            "timeline": [
                {"hour": _iso(datetime.fromtimestamp(h * 3600, timezone.utc)), "count": n}
                for h, n in sorted(t.hours.items())
            ],
        }


@dataclass(frozen=True)
class Group:
    template: str
    count: int
    example: str
    first_seen: datetime | None
    last_seen: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": redact(self.template),
            "count": self.count,
            "example": redact(self.example),
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
        }


@dataclass
class LogReport:
    incidents: list[Incident]
    unclassified: list[Group]
    sources: list[str]
    bytes_read: int
    events: int
    before_since: int
    since: datetime | None = None
    more_groups: int = 0
    notes: list[str] = field(default_factory=list)

    def exit_code(self) -> int:
        """1 when an incident of ``error`` severity was found, else 0."""
        return 1 if any(i.signature.severity is Severity.ERROR for i in self.incidents) else 0


def build(
    result: Result, signatures: Sequence[Signature], *, sources: list[str], since: datetime | None = None
) -> LogReport:
    order = {s.id: i for i, s in enumerate(signatures)}
    by_id = {s.id: s for s in signatures}
    incidents = [Incident(by_id[sig_id], tally) for sig_id, tally in result.tallies.items() if tally.count]
    incidents.sort(key=lambda i: (i.signature.severity.rank, -i.tally.count, order[i.signature.id]))
    groups = [_group(c) for c in result.drain.groups() if c.count]
    if result.garbage_lines:
        groups.append(Group(GARBAGE_TEMPLATE, result.garbage_lines, "", None, None))
        groups.sort(key=lambda g: -g.count)
    return LogReport(
        incidents=incidents,
        unclassified=groups[:MAX_GROUPS],
        sources=sources,
        bytes_read=result.bytes_read,
        events=result.events,
        before_since=result.before_since,
        since=since,
        more_groups=max(0, len(groups) - MAX_GROUPS),
    )


def _group(c: Cluster) -> Group:
    return Group(c.template, c.count, c.example, c.first_seen, c.last_seen)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when is not None else None


def to_dict(report: LogReport) -> dict[str, Any]:
    return {
        "incidents": [i.to_dict() for i in report.incidents],
        "unclassified": [g.to_dict() for g in report.unclassified],
        "summary": {
            "incidents": len(report.incidents),
            "events": report.events,
            "errors": sum(1 for i in report.incidents if i.signature.severity is Severity.ERROR),
            "unclassified_groups": len(report.unclassified) + report.more_groups,
            "bytes_read": report.bytes_read,
            "skipped_before_since": report.before_since,
        },
        "sources": report.sources,
        "since": _iso(report.since),
        "notes": report.notes,
    }


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(report: LogReport, out: IO[str], *, color: bool | None = None, max_groups: int = 10) -> None:
    """A report for a person: each incident with its count, times, one example and what to do."""
    # rich (~50 ms, also through _text): only the text report draws with it
    from rich.markup import escape

    from .._text import console_for

    console = console_for(out, color)
    what = ", ".join(report.sources) or "nothing"
    since = f" since {_iso(report.since)}" if report.since else ""
    console.print(f"[bold]pgwarden doctor logs[/]: {escape(what)}{since}")
    if not report.incidents and not report.unclassified:
        console.print("No known incident and nothing that looks like an error.")
    for incident in report.incidents:
        sig, t = incident.signature, incident.tally
        when = ""
        if t.first_seen:
            when = f", first {_short(t.first_seen)}, last {_short(t.last_seen)}"
        console.print()
        console.print(
            f"[{_STYLE[sig.severity]}]{sig.severity.value.upper()}[/] [bold]{escape(sig.title)}[/] "
            f"({sig.id}): {t.count:,} time{'s' if t.count != 1 else ''}{when}"
        )
        example = redact(t.examples[0]) if t.examples else ""
        lines = example.splitlines()
        shown = lines[:1] + ([error_line(lines[1:], sig.regex)] if len(lines) > 1 else [])
        for line in shown:
            console.print(f"  [dim]| {escape(line[:200])}[/]")
        console.print(f"  Why: {escape(cite_text(sig.explanation))}")
        console.print(f"  Fix: {escape(cite_text(sig.remedy))}")
        command = command_to_run(sig)
        if command:
            console.print(f"  Run: [bold]{escape(command)}[/]")
    if report.unclassified:
        console.print()
        total = len(report.unclassified) + report.more_groups
        console.print(
            f"[bold]Unclassified[/] ({total} group{'s' if total != 1 else ''} of error-like lines):"
        )
        for g in report.unclassified[:max_groups]:
            console.print(f"  {g.count:>9,}  {escape(redact(g.template)[:160])}")
        if total > max_groups:
            console.print(f"  ... {total - max_groups} more (see --format json)")
    errors = sum(1 for i in report.incidents if i.signature.severity is Severity.ERROR)
    console.print()
    console.print(
        f"{len(report.incidents)} incident{'s' if len(report.incidents) != 1 else ''} "
        f"({errors} at error), {size(report.bytes_read)} read."
    )
    for note in report.notes:
        console.print(f"Note: {escape(note)}")


def error_line(lines: list[str], pattern: re.Pattern[str]) -> str:
    """The line that says what went wrong: the first unindented one the signature matches.

    Not simply the last line: a chained traceback ends with the exception it caused, and
    psycopg2's DETAIL and SQLAlchemy's ``(Background on this error …)`` follow the error.
    """
    matching = [line for line in lines if pattern.search(line)]
    for line in matching:
        if line[:1] not in (" ", "\t"):
            return line
    return matching[0] if matching else lines[-1]


def _short(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else "?"
