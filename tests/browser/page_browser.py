"""Open a page in Debian's headless Chromium through Playwright and measure it as a person would see it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (390, 1280)
"""A phone and a desktop."""

MEASURE = """() => {
  const doc = document.documentElement;
  const top = (id) => { const e = document.getElementById(id); return e ? e.getBoundingClientRect().top : null; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const backticks = [], unlinked = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.nodeValue, parent = node.parentElement;
    if (parent.closest('pre, code')) continue;  // log lines and templates are shown verbatim
    if (text.includes('`')) backticks.push(text);
    if (/incidents? 00\\d/.test(text) && !parent.closest('a')) unlinked.push(text);
  }
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  const broken = links.filter(h => !h.startsWith('#') || !document.getElementById(h.slice(1)));
  const incidentLinks = links.filter(h => h.startsWith('#incident-'));
  const bars = [...document.querySelectorAll('svg.bars rect')].map(r => r.getBoundingClientRect().height);
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, summary: top('summary'),
          timeline: top('timeline'), backticks, unlinked, broken, incidentLinks, bars,
          text: document.body.innerText};
}"""


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = executable()
    assert path is not None
    with sync_playwright() as p:
        # Playwright starts Chromium with a fresh temporary profile (--user-data-dir) of its own.
        launched = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def measure(
    chromium: Any, page: Path, width: int, *, screenshot: Path | None = None, height: int = 900
) -> dict[str, Any]:
    """Metrics of ``page`` at ``width`` px; a screenshot of the first screen when asked."""
    tab = chromium.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
    try:
        tab.goto(page.as_uri())
        found: dict[str, Any] = tab.evaluate(MEASURE)
        if screenshot is not None:
            tab.screenshot(path=str(screenshot), full_page=False)
        return found
    finally:
        tab.close()
