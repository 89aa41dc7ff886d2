"""The console page as HTML: the panels rendered on the server, readable without JavaScript.

Every value is escaped; text written with Markdown backticks becomes ``<code>``. The script only
refreshes the panels in place and copies fix SQL; the page works without it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import escape

from ..findings import Finding
from .model import Cell, Chart, Panel, Table, tone_of, worst
from .panels_service import ago, when
from .svg import sparkline, strip

__all__ = ["fragment", "page"]

MAX_ROWS = 50
"""Rows a table shows: 2,000 findings or 200 instances would make a page no one reads on a phone."""
_TICKS = re.compile(r"`([^`]+)`")
_WORDS = {"ok": "OK", "warn": "Needs a look", "bad": "Broken", "": "No data"}


def text(value: str) -> str:
    """Escaped text with `backticked` parts as code."""
    return _TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", escape(value))


def page(
    panels: Sequence[Panel],
    *,
    now: datetime,
    database: str,
    refresh: float,
    banner: str | None,
    style: str | None = None,
) -> str:
    """The whole page: head, header with the overall state, and every panel.

    With ``style`` (the stylesheet's text) the page stands alone as a file: styles inline, no script.
    """
    tone = worst([p.tone for p in panels])
    assets = (
        f"<style>{style}</style>"
        if style is not None
        else '<link rel="stylesheet" href="static/console.css">'
        f'<noscript><meta http-equiv="refresh" content="{max(5, int(refresh))}"></noscript>'
        '<script src="static/console.js" defer></script>'
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>pgwarden console: {escape(database)}</title>"
        f"{assets}</head>"
        f'<body data-refresh="{refresh:g}">'
        '<header class="top"><h1>pgwarden console</h1>'
        f'<p class="db">{escape(database)}</p>'
        f'<p class="state tone-{tone or "none"}" id="state">{escape(_WORDS[tone])}</p></header>'
        f'<main id="panels" aria-live="polite">{fragment(panels, now=now, banner=banner)}</main>'
        '<footer class="foot">Read-only: this page runs SELECTs in READ ONLY transactions. '
        '<a href="#panels">Back to top</a></footer>'
        "</body></html>\n"
    )


def fragment(panels: Sequence[Panel], *, now: datetime, banner: str | None) -> str:
    """The panels alone, as the script swaps them in at each refresh."""
    tone = worst([p.tone for p in panels])
    nav = "".join(
        f'<a class="chip tone-{p.tone or "none"}" href="#panel-{p.key}">{escape(p.title)}</a>' for p in panels
    )
    top = f'<p class="banner" role="alert">{text(banner)}</p>' if banner else ""
    return (
        f'{top}<nav class="chips" aria-label="Panels" data-state="{tone or "none"}" '
        f'data-word="{escape(_WORDS[tone])}">{nav}</nav>'
        f'<p class="now">Page built {when(now)}</p>' + "".join(_panel(p, now) for p in panels)
    )


def _panel(p: Panel, now: datetime) -> str:
    parts = [
        f'<section class="panel tone-{p.tone or "none"}" id="panel-{p.key}" aria-labelledby="h-{p.key}">',
        f'<h2 id="h-{p.key}"><span class="dot" aria-hidden="true"></span>{escape(p.title)}'
        f'<span class="word">{escape(_WORDS[p.tone])}</span></h2>',
        f'<p class="summary">{text(p.summary)}</p>',
    ]
    if p.missing:
        parts.append(f'<p class="missing">{text(p.missing[0].upper() + p.missing[1:])}.</p>')
    if p.error:
        again = "again" if p.read_at is not None else "yet"
        parts.append(f'<p class="error" role="status">Could not read it {again}: {text(p.error)}</p>')
    parts += [f'<p class="note">{text(n)}</p>' for n in p.notes]
    if p.marks is not None and p.marks.points:
        parts.append(
            f'<figure class="chart">{strip(p.marks)}<figcaption class="axis-words">'
            f"<span>{escape(p.marks.label)}</span><span>now</span></figcaption></figure>"
        )
    if p.charts:
        parts.append('<div class="charts">' + "".join(_chart(c) for c in p.charts) + "</div>")
    parts += [_table(t) for t in p.tables if t.rows or not p.missing]
    if p.findings:
        parts.append(_findings(p.findings))
    parts.append(f'<p class="read">{_read(p, now)}</p></section>')
    return "".join(parts)


def _read(p: Panel, now: datetime) -> str:
    if p.read_at is None:
        return "Not read yet."
    age = max(0.0, (now - p.read_at).total_seconds())
    took = f" in {p.seconds * 1000:.0f} ms" if p.seconds else ""
    return f'Read <time datetime="{p.read_at.isoformat()}">{when(p.read_at)}</time> ({ago(age)} ago){took}.'


def _chart(chart: Chart) -> str:
    values = [v for _, v in chart.points if v is not None]
    last = f"now {values[-1]:g} {chart.unit}, max {max(values):g}" if values else "no samples"
    return f'<figure class="chart">{sparkline(chart)}<figcaption>{escape(chart.label)}: {escape(last)}</figcaption></figure>'


def _table(t: Table) -> str:
    if not t.rows:
        return f'<p class="empty">{text(t.empty)}</p>'
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in t.headers)
    body = "".join(
        "<tr>" + "".join(_cell(c, h) for c, h in zip(row, t.headers, strict=True)) + "</tr>"
        for row in t.rows[:MAX_ROWS]
    )
    more = len(t.rows) - MAX_ROWS
    after = (
        f'<p class="note">And {more} more not shown here; the command line lists them all.</p>'
        if more > 0
        else ""
    )
    # A table wider than its panel scrolls inside it (keyboard-reachable), never the page.
    return (
        f'<div class="scroll" tabindex="0" role="region" aria-label="{escape(t.caption)}">'
        f"<table><caption>{escape(t.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        + after
    )


def _cell(c: Cell, header: str) -> str:
    # One child per cell: on a phone the cell is a two-column grid (label, value).
    label = f' data-label="{escape(header)}"'
    if c.code:
        return (
            f'<td{label} class="sql"><div><pre><code>{escape(c.text)}</code></pre>'
            '<button type="button" class="copy" hidden>Copy</button></div></td>'
        )
    if not c.text:
        return f'<td{label} class="blank"></td>'
    tone = f' class="tone-{c.tone}"' if c.tone else ""
    return f"<td{label}{tone}><span>{text(c.text)}</span></td>"


def _findings(found: Sequence[Finding]) -> str:
    items = "".join(
        f'<li class="tone-{tone_of(f.severity) or "none"}"><strong>{escape(f.severity.value)}</strong> '
        f"{text(f.message)}" + (f' <span class="hint">{text(f.hint)}</span>' if f.hint else "") + "</li>"
        for f in found[:MAX_ROWS]
    )
    more = len(found) - MAX_ROWS
    after = (
        f'<p class="note">And {more} more; <code>pgwarden check</code> lists them all.</p>'
        if more > 0
        else ""
    )
    return f'<ul class="findings">{items}</ul>{after}'
