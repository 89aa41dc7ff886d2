"""Text for the HTML report: escaped, inline code as ``<code>``, incident links, counts and sizes people read."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from html import escape

from ...incidents import cite_html
from ..report import size

__all__ = ["clock", "count", "inline", "size", "stamp", "zone_name"]


def inline(text: str, *, href: str = "#") -> str:
    """``text`` escaped, with `backticked` spans as ``<code>`` and incident references as links.

    An unpaired backtick stays a plain character: it is the writer's, not markup.
    """
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: the last one is unpaired
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{escape(part)}</code>")
        else:
            out.append(cite_html(escape(part), href))
    return "".join(out)


def count(n: int) -> str:
    """``12,345``: thousands separated, the same on every machine (no locale)."""
    return f"{n:,}"


def zone_name(zone: tzinfo, at: datetime) -> str:
    """``UTC`` or ``UTC+03:00``: what the page's times are in, without guessing a region name."""
    offset = at.astimezone(zone).utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def clock(when: datetime, zone: tzinfo) -> str:
    """``2026-11-22 10:02`` in ``zone``, as plain text (for SVG titles)."""
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def stamp(when: datetime, zone: tzinfo) -> str:
    """``<time>2026-11-22 10:02</time>`` in ``zone`` (named once on the page, not on every time)."""
    return f"<time>{clock(when, zone)}</time>"
