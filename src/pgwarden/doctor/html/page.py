"""The page around the summary and the timeline: the incidents as a table (cards on phones), the rest."""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from ...incidents import INCIDENTS, anchor, numbers
from ..report import Group, Incident, LogReport, command_to_run, redact
from .text import count, inline, stamp

__all__ = ["incidents_section", "unclassified_section", "incident_index", "notes_section"]

MAX_EXAMPLE_CHARS = 3000


def _row(incident: Incident, zone: tzinfo) -> str:
    sig, t = incident.signature, incident.tally
    example = escape(redact(t.examples[0])[:MAX_EXAMPLE_CHARS]) if t.examples else ""
    if t.first_seen and t.last_seen:
        seen = f"{stamp(t.first_seen, zone)}<br>to {stamp(t.last_seen, zone)}"
    else:
        seen = '<span class="muted">no timestamps</span>'
    command = command_to_run(sig)
    run = f"<p><b>Run:</b> <code>{escape(command)}</code></p>" if command else ""
    sid = escape(sig.id)
    return (
        f'<tr id="{sid}"><td class="sev sev-{sig.severity.value}">{sig.severity.value}</td>'
        f'<td class="wide"><div class="title">{inline(sig.title)}</div>'
        f'<div class="muted">{sid}</div>'
        + (f"<pre>{example}</pre>" if example else "")
        + f"<p>{inline(sig.explanation)}</p><p><b>Fix:</b> {inline(sig.remedy)}</p>{run}</td>"
        f'<td class="num" data-label="count">{count(t.count)}</td>'
        f'<td class="seen" data-label="seen">{seen}</td></tr>'
    )


def incidents_section(report: LogReport, zone: tzinfo) -> str:
    if not report.incidents:
        return ""
    rows = "".join(_row(i, zone) for i in report.incidents)
    return (
        '<section id="incidents"><h2>Incidents</h2><table class="cards"><thead><tr><th>severity</th>'
        f"<th>incident</th><th>count</th><th>seen</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _group_row(g: Group, zone: tzinfo) -> str:
    seen = f"{stamp(g.last_seen, zone)}" if g.last_seen else ""
    return (
        f'<tr><td class="num" data-label="count">{count(g.count)}</td>'
        f'<td class="wide"><code>{escape(redact(g.template))}</code></td>'
        f'<td class="seen" data-label="last seen">{seen}</td></tr>'
    )


def unclassified_section(report: LogReport, zone: tzinfo) -> str:
    if not report.unclassified:
        return ""
    more = (
        f'<p class="muted">{count(report.more_groups)} more groups are in <code>--format json</code>.</p>'
        if report.more_groups
        else ""
    )
    rows = "".join(_group_row(g, zone) for g in report.unclassified)
    return (
        '<section id="unclassified"><h2>Error-like lines no signature knows</h2>'
        '<table class="cards"><thead><tr><th>count</th><th>template</th><th>last seen</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{more}</section>"
    )


def notes_section(report: LogReport) -> str:
    return "".join(f'<p class="muted">Note: {inline(n)}</p>' for n in report.notes)


def incident_index(report: LogReport) -> str:
    """The incidents this page refers to, each with its anchor, so every reference can be followed."""
    text = " ".join(f"{i.signature.explanation} {i.signature.remedy}" for i in report.incidents)
    cited = numbers(text)
    if not cited:
        return ""
    items = "".join(
        f'<li id="{anchor(n)}"><b>Incident {n}</b>: {escape(INCIDENTS[n])}. '
        f'<span class="muted">Told in full in pgwarden\'s <code>docs/incidents.md</code>, '
        f"section <code>#{anchor(n)}</code>.</span></li>"
        for n in sorted(cited)
    )
    return (
        '<section id="incidents-behind"><h2>The incidents behind pgwarden</h2>'
        f'<p class="muted">The real incidents this page refers to.</p><ul class="index">{items}</ul></section>'
    )
