"""The summary at the top of the page: counts per severity, the time span, and what to act on first."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from html import escape

from ...findings import Severity
from ..report import LogReport, command_to_run
from .text import count, inline, size, stamp
from .timeline import axis_for, merged, per_minute

__all__ = ["first_sentence", "summary_section"]

_LABEL = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "info"}


def _plural(n: int, word: str) -> str:
    return f"{count(n)} {word}{'' if n == 1 else 's'}"


def _span(report: LogReport, zone: tzinfo, label: str) -> str:
    """From the first to the last event; when a few lie far off, the span of the rest and those apart."""
    firsts = [i.tally.first_seen for i in report.incidents if i.tally.first_seen]
    lasts = [i.tally.last_seen for i in report.incidents if i.tally.last_seen]
    if not firsts or not lasts:
        return ""
    first: datetime = min(firsts)
    last: datetime = max(lasts)
    series, min_step = per_minute([i.tally for i in report.incidents])
    axis = axis_for(merged(series), min_step=min_step)
    if axis is None or not (axis.before or axis.after):
        return f"from {stamp(first, zone)} to {stamp(last, zone)} {label}."
    end = _minute(axis.last + min_step)
    text = f"mostly from {stamp(_minute(axis.first), zone)} to {stamp(end, zone)} {label}"
    if axis.before:
        text += f"; {_plural(axis.before, 'event')} earlier, from {stamp(first, zone)}"
    if axis.after:
        text += f"; {_plural(axis.after, 'event')} later, until {stamp(last, zone)}"
    return text + "."


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (the rest is in the incident's card)."""
    for i, char in enumerate(text):
        if char == "." and text[i + 1 : i + 2] in (" ", "") and text.count("`", 0, i) % 2 == 0:
            return text[: i + 1]
    return text


def _minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, timezone.utc)


def summary_section(report: LogReport, zone: tzinfo, zone_label: str) -> str:
    """The summary's HTML: one line for a clean log, else counts, span and the first thing to do."""
    if not report.incidents and not report.unclassified:
        return (
            '<section id="summary" class="clean"><h2>Summary</h2>'
            f"<p><b>Clean:</b> no known incident and nothing that looks like an error in {size(report.bytes_read)} of logs.</p></section>"
        )
    by_sev = {sev: 0 for sev in Severity}
    for incident in report.incidents:
        by_sev[incident.signature.severity] += 1
    chips = "".join(
        f'<li class="chip sev-{sev.value}-soft"><b>{count(n)}</b> {_LABEL[sev] if n != 1 else sev.value}</li>'
        for sev, n in by_sev.items()
    )
    events = sum(i.tally.count for i in report.incidents)
    span = _span(report, zone, zone_label)
    parts = [
        '<section id="summary"><h2>Summary</h2>',
        f'<ul class="chips">{chips}</ul>',
        f"<p>{_plural(len(report.incidents), 'known incident')}, {_plural(events, 'event')}, "
        f"in {size(report.bytes_read)} of logs.</p>",
    ]
    if span:
        parts.append(f"<p><b>When:</b> {span}</p>")
    if report.incidents:
        top = report.incidents[0]
        sig, t = top.signature, top.tally
        last = f", last at {stamp(t.last_seen, zone)}" if t.last_seen else ""
        command = command_to_run(sig)
        todo = f"Run <code>{escape(command)}</code>." if command else ""
        parts.append(
            f'<div class="first sev-{sig.severity.value}-edge"><p><b>Act on this first:</b> '
            f'<a href="#{escape(sig.id)}">{inline(sig.title)}</a> ({sig.severity.value}, '
            f"{_plural(t.count, 'time')}{last}).</p><p>{inline(first_sentence(sig.remedy))}</p>"
            + (f"<p>{todo}</p>" if todo else "")
            + "</div>"
        )
    else:
        parts.append("<p>No known incident; the error-like lines no signature knows are listed below.</p>")
    if report.unclassified:
        groups = len(report.unclassified) + report.more_groups
        parts.append(
            f'<p class="muted"><a href="#unclassified">{_plural(groups, "group")}</a> '
            "of error-like lines no signature knows.</p>"
        )
    parts.append("</section>")
    return "".join(parts)
