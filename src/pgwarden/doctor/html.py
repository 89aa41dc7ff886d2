"""One self-contained HTML page for a log report: a timeline of incidents per hour, then each incident."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import IO

from ..findings import Severity
from .report import LogReport, redact

__all__ = ["render_html"]

_COLOR = {Severity.ERROR: "#c62828", Severity.WARNING: "#ef8f00", Severity.INFO: "#1e88e5"}
_MAX_BARS = 336
"""At most two weeks of hourly bars; longer spans are drawn per day."""
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.5em;margin:.3em 0;font-size:12px}
.sev{font-weight:bold;text-transform:uppercase;font-size:12px}.muted{color:#666}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle}
"""


def _bars(report: LogReport) -> tuple[list[int], int, dict[int, dict[Severity, int]]]:
    """Bucket size in seconds, the buckets, and counts per bucket and severity."""
    per_hour: dict[int, dict[Severity, int]] = {}
    for incident in report.incidents:
        for hour, n in incident.tally.hours.items():
            slot = per_hour.setdefault(hour, {})
            slot[incident.signature.severity] = slot.get(incident.signature.severity, 0) + n
    if not per_hour:
        return [], 3600, {}
    first, last = min(per_hour), max(per_hour)
    step = 1 if last - first < _MAX_BARS else 24
    buckets: dict[int, dict[Severity, int]] = {}
    for hour, counts in per_hour.items():
        key = first + (hour - first) // step * step
        slot = buckets.setdefault(key, {})
        for sev, n in counts.items():
            slot[sev] = slot.get(sev, 0) + n
    return list(range(first, last + 1, step)), step * 3600, buckets


def _timeline(report: LogReport) -> str:
    keys, width_s, buckets = _bars(report)
    if not keys:
        return '<p class="muted">No incident carried a timestamp: nothing to draw.</p>'
    top = max(sum(c.values()) for c in buckets.values())
    w, h, pad = 1000, 180, 30
    bar = max(1.0, (w - 2 * pad) / len(keys))
    parts = [
        f'<svg id="timeline" viewBox="0 0 {w} {h + 40}" width="100%" role="img" aria-label="incidents over time">'
    ]
    for i, key in enumerate(keys):
        y = float(h)
        for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            n = buckets.get(key, {}).get(sev, 0)
            if not n:
                continue
            height = n / top * (h - 20)
            y -= height
            when = datetime.fromtimestamp(key * 3600, timezone.utc).strftime("%Y-%m-%d %H:00 UTC")
            parts.append(
                f'<rect x="{pad + i * bar:.1f}" y="{y:.1f}" width="{max(bar - 1, 0.5):.1f}" height="{height:.1f}" '
                f'fill="{_COLOR[sev]}"><title>{when}: {n} {sev.value}</title></rect>'
            )
    start = datetime.fromtimestamp(keys[0] * 3600, timezone.utc).strftime("%Y-%m-%d %H:00")
    end = datetime.fromtimestamp(keys[-1] * 3600 + width_s, timezone.utc).strftime("%Y-%m-%d %H:00 UTC")
    parts.append(f'<line x1="{pad}" y1="{h}" x2="{w - pad}" y2="{h}" stroke="#999"/>')
    parts.append(f'<text x="{pad}" y="{h + 20}" font-size="12">{start}</text>')
    parts.append(f'<text x="{w - pad}" y="{h + 20}" font-size="12" text-anchor="end">{end}</text>')
    parts.append(
        f'<text x="{pad}" y="12" font-size="12">{top} per {"hour" if width_s == 3600 else "day"}</text>'
    )
    parts.append("</svg>")
    legend = "".join(
        f'<span style="background:{_COLOR[s]}"></span>{s.value}'
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    return "".join(parts) + f'<div class="legend muted">{legend}</div>'


def render_html(report: LogReport, out: IO[str]) -> None:
    """Write the report as one HTML page with no external resources (no scripts, fonts or images)."""
    sources = escape(", ".join(report.sources))
    rows = []
    for incident in report.incidents:
        sig, t = incident.signature, incident.tally
        example = escape(redact(t.examples[0])[:3000]) if t.examples else ""
        seen = f"{_time(t.first_seen)} – {_time(t.last_seen)}" if t.first_seen else "no timestamps"
        rows.append(
            f'<tr id="{escape(sig.id)}"><td class="sev" style="color:{_COLOR[sig.severity]}">{sig.severity.value}</td>'
            f'<td><b>{escape(sig.title)}</b> <span class="muted">({escape(sig.id)})</span><pre>{example}</pre>'
            f"<p>{escape(sig.explanation)}</p><p><b>Fix:</b> {escape(sig.remedy)}</p>"
            f"<p><b>Run:</b> <code>{escape(sig.command)}</code></p></td>"
            f"<td>{t.count}</td><td>{seen}</td></tr>"
        )
    groups = "".join(
        f"<tr><td>{g.count}</td><td><code>{escape(redact(g.template))}</code></td></tr>"
        for g in report.unclassified
    )
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>pgwarden doctor logs: {sources}</title><style>{_CSS}</style></head><body>"
        f'<h1>pgwarden doctor logs</h1><p class="muted">{sources} · {report.bytes_read / 1e6:.1f} MB read · '
        f"{len(report.incidents)} incident(s)</p>"
        f"<h2>Timeline</h2>{_timeline(report)}"
        "<h2>Incidents</h2>"
        + (
            "<table><tr><th>severity</th><th>incident</th><th>count</th><th>seen</th></tr>"
            + "".join(rows)
            + "</table>"
            if rows
            else "<p>No known incident.</p>"
        )
        + "<h2>Unclassified</h2>"
        + (
            f"<table><tr><th>count</th><th>template</th></tr>{groups}</table>"
            if groups
            else "<p>Nothing that looks like an error.</p>"
        )
        + "".join(f'<p class="muted">Note: {escape(n)}</p>' for n in report.notes)
        + "</body></html>\n"
    )


def _time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else "?"
