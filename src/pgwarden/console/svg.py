"""Small inline SVG line charts: no charting library, no CDN, nothing to download at run time."""

from __future__ import annotations

from html import escape

from .model import Chart, Marks

__all__ = ["sparkline", "strip"]

WIDTH, HEIGHT, PAD = 300, 60, 4


def sparkline(chart: Chart) -> str:
    """``chart`` as an SVG polyline that scales to its container; gaps (``None``) break the line."""
    values = [v for _, v in chart.points if v is not None]
    label = escape(f"{chart.label} over the last day")
    if len(chart.points) < 2 or not values:
        return f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}: not enough samples"></svg>'
    t0, t1 = chart.points[0][0], chart.points[-1][0]
    low, high = min(0.0, min(values)), max(values)
    span_t, span_v = (t1 - t0) or 1.0, (high - low) or 1.0
    lines: list[list[str]] = [[]]
    for t, v in chart.points:
        if v is None:
            if lines[-1]:
                lines.append([])
            continue
        x = PAD + (t - t0) / span_t * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (v - low) / span_v * (HEIGHT - 2 * PAD)
        lines[-1].append(f"{x:.1f},{y:.1f}")
    shapes = "".join(f'<polyline points="{" ".join(pts)}"/>' for pts in lines if len(pts) > 1)
    dots = "".join(
        f'<circle cx="{pts[0].split(",")[0]}" cy="{pts[0].split(",")[1]}" r="2"/>'
        for pts in lines
        if len(pts) == 1
    )
    return (
        f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" role="img" '
        f'aria-label="{label}">{shapes}{dots}</svg>'
    )


def strip(marks: Marks) -> str:
    """``marks`` as ticks on a line, loudest drawn last so a failure is never hidden under a success."""
    span = (marks.end - marks.start) or 1.0
    order = {"": 0, "ok": 1, "warn": 2, "bad": 3}
    ticks = "".join(
        f'<line class="tick tone-{tone or "none"}" x1="{x:.1f}" x2="{x:.1f}" y1="3" y2="21"/>'
        for t, tone in sorted(marks.points, key=lambda p: order.get(p[1], 0))
        for x in (PAD + max(0.0, min(1.0, (t - marks.start) / span)) * (WIDTH - 2 * PAD),)
    )
    bad = sum(1 for _, tone in marks.points if tone == "bad")
    label = escape(f"{marks.label}: {len(marks.points)} event(s), {bad} failure(s)")
    return (
        f'<svg class="strip" viewBox="0 0 {WIDTH} 24" preserveAspectRatio="none" role="img" aria-label="{label}">'
        f'<line class="axis" x1="{PAD}" x2="{WIDTH - PAD}" y1="12" y2="12"/>{ticks}</svg>'
    )
