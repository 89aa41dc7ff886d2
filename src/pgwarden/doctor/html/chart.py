"""The timeline section: all incidents stacked by severity, then one lane per incident, on one axis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from html import escape

from ...findings import Severity
from ..report import Incident
from .text import clock, count, stamp
from .timeline import DAY, HOUR, Axis, axis_for, bucket_counts, merged, per_minute

__all__ = ["timeline_section", "MAX_LANES"]

MAX_LANES = 12
"""Incidents past this many share one lane, "other incidents"."""
_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def _at(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, timezone.utc)


def _width(step: int) -> str:
    """``2 hours``, ``1 day``: a bar's width in words."""
    for unit, size in (("week", 7 * DAY), ("day", DAY), ("hour", HOUR), ("minute", 1)):
        if step % size == 0:
            n = step // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    raise AssertionError(step)  # pragma: no cover - steps are whole minutes


def _height(n: int, top: int) -> float:
    """Bar height in a 100-unit box; one event still shows."""
    return 0.0 if n <= 0 else max(4.0, n / top * 100)


def _svg(cls: str, label: str, axis: Axis, body: list[str]) -> str:
    return (
        f'<svg class="{cls}" viewBox="0 0 {axis.buckets} 100" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(label)}">{"".join(body)}</svg>'
    )


def _stacked(
    axis: Axis, incidents: Sequence[Incident], series: list[dict[int, int]], zone: tzinfo
) -> tuple[str, int]:
    per_sev = {
        sev: bucket_counts(
            axis, merged(c for i, c in zip(incidents, series, strict=True) if i.signature.severity is sev)
        )
        for sev in _ORDER
    }
    totals = [sum(per_sev[s][k] for s in _ORDER) for k in range(axis.buckets)]
    top = max(totals) or 1
    gap = 0.12 if axis.buckets > 1 else 0.3
    body = []
    for k in range(axis.buckets):
        y = 100.0
        begin = clock(_at(axis.start + k * axis.step), zone)
        for sev in _ORDER:
            n = per_sev[sev][k]
            if not n:
                continue
            h = min(y, _height(n, top) if y == 100.0 else n / top * 100)
            y -= h
            body.append(
                f'<rect class="sev-{sev.value}" x="{k + gap:.2f}" y="{y:.2f}" width="{1 - 2 * gap:.2f}" '
                f'height="{h:.2f}"><title>{begin} ({_width(axis.step)}): {count(n)} {sev.value}</title></rect>'
            )
    return _svg("bars", "events over time, stacked by severity", axis, body), top


def _lane(axis: Axis, title: str, anchor: str, sev: str, series: dict[int, int]) -> str:
    counts = bucket_counts(axis, series)
    top = max(counts) or 1
    body = [
        f'<rect class="sev-{sev}" x="{k + 0.1:.2f}" y="{100 - _height(n, top):.2f}" width="0.8" '
        f'height="{_height(n, top):.2f}"/>'
        for k, n in enumerate(counts)
        if n
    ]
    inside = sum(counts)
    return (
        f'<div class="lane"><div class="lane-label"><span class="dot sev-{sev}"></span>'
        f'<a href="#{escape(anchor)}">{escape(title)}</a> <span class="muted">{count(inside)}, '
        f"peak {count(top)}</span></div>{_svg('spark', title + ' over time', axis, body)}</div>"
    )


def _edges(axis: Axis, zone: tzinfo) -> str:
    notes = []
    if axis.before and axis.earliest is not None:
        n = axis.before
        notes.append(
            f'<p class="edge edge-before">◀ {count(n)} event{"s" if n != 1 else ""} earlier, from '
            f"{stamp(_at(axis.earliest), zone)}: far from the rest, left off the scale</p>"
        )
    if axis.after and axis.latest is not None:
        n = axis.after
        notes.append(
            f'<p class="edge edge-after">{count(n)} event{"s" if n != 1 else ""} later, until '
            f"{stamp(_at(axis.latest), zone)}: far from the rest, left off the scale ▶</p>"
        )
    return "".join(notes)


def timeline_section(incidents: Sequence[Incident], zone: tzinfo) -> str:
    """The section's HTML; empty when there is nothing to draw and nothing to say."""
    if not incidents:
        return ""
    series, min_step = per_minute([i.tally for i in incidents])
    everything = merged(series)
    sample = _at(min(everything)) if everything else datetime.now(timezone.utc)
    offset = sample.astimezone(zone).utcoffset() or timedelta(0)
    axis = axis_for(everything, offset=int(offset.total_seconds()) // 60, min_step=min_step)
    head = '<section id="timeline"><h2>Timeline</h2>'
    if axis is None:
        return (
            head
            + "<p>None of the incidents' lines carried a timestamp, so there is no timeline.</p></section>"
        )
    bars, top = _stacked(axis, incidents, series, zone)
    lanes = [
        _lane(axis, i.signature.title, i.signature.id, i.signature.severity.value, c)
        for i, c in zip(incidents[:MAX_LANES], series[:MAX_LANES], strict=True)
        if c
    ]
    rest = incidents[MAX_LANES:]
    if rest:
        worst = min(rest, key=lambda i: i.signature.severity.rank).signature.severity.value
        others = merged(series[MAX_LANES:])
        lanes.append(_lane(axis, f"{len(rest)} other incidents", "incidents", worst, others))
    middle = axis.start + axis.buckets // 2 * axis.step
    ticks = (
        f'<div class="ticks"><span>{stamp(_at(axis.start), zone)}</span>'
        + (f"<span>{stamp(_at(middle), zone)}</span>" if axis.buckets > 2 else "")
        + f"<span>{stamp(_at(axis.end), zone)}</span></div>"
    )
    legend = "".join(f'<span><span class="dot sev-{s.value}"></span>{s.value}</span>' for s in _ORDER)
    return (
        head + f'<p class="muted">Each bar is {_width(axis.step)}; the tallest holds {count(top)} '
        f'event{"s" if top != 1 else ""}. <span class="legend">{legend}</span></p>'
        + _edges(axis, zone)
        + '<div class="lanes"><div class="lane-label"><b>All incidents</b>, stacked by severity</div>'
        + f'<div class="chart">{bars}{ticks}</div>'
        + '<h3 class="across">Per incident</h3>'
        + "".join(lanes)
        + "</div></section>"
    )
