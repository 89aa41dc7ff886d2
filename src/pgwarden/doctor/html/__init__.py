"""One self-contained HTML page for a log report: summary, timeline, incidents, the rest.

Pure rendering: the report and the zone to show times in go in, text comes out.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from html import escape
from typing import IO

from ..report import LogReport
from .chart import timeline_section
from .page import incident_index, incidents_section, notes_section, unclassified_section
from .style import CSS
from .summary import summary_section
from .text import zone_name

__all__ = ["render_html", "page"]


def page(report: LogReport, *, zone: tzinfo | None = None) -> str:
    """The whole page as a string; times are shown in ``zone`` (``--tz``; default: this host's zone).

    Log times without a zone were read in this host's zone, so showing them in it gives back
    the wall-clock times the log had; the page names the zone instead of calling it UTC.
    """
    whose = "the zone asked for with --tz" if zone else "this computer's zone"
    zone = zone or datetime.now().astimezone().tzinfo or timezone.utc
    seen = [i.tally.first_seen for i in report.incidents if i.tally.first_seen]
    label = zone_name(zone, min(seen) if seen else datetime.now(timezone.utc))
    sources = escape(", ".join(report.sources) or "nothing")
    zone_note = (
        f'<p class="muted">Times are {label}, {whose}; log times without a zone were read as this zone.</p>'
        if report.incidents
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>pgwarden doctor logs: {sources}</title><style>{CSS}</style></head><body>"
        f'<header><h1>pgwarden doctor logs</h1><p class="muted">{sources}</p>'
        f"{zone_note}</header>"
        + summary_section(report, zone, label)
        + timeline_section(report.incidents, zone)
        + incidents_section(report, zone)
        + unclassified_section(report, zone)
        + notes_section(report)
        + incident_index(report)
        + "</body></html>\n"
    )


def render_html(report: LogReport, out: IO[str], *, zone: tzinfo | None = None) -> None:
    """Write the report as one HTML page with no external resources (no scripts, fonts or images)."""
    out.write(page(report, zone=zone))
