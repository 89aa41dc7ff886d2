"""The console in a real headless Chromium, at a phone's and a desktop's width, with and without JavaScript."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_served import PANELS, served
from page_browser import WIDTHS, browser, executable

from pgwarden.scratch import Scratch

_MISSING = (
    "no Chromium binary: run `make .venv/bin/.installed` as root (it installs Debian's chromium) "
    "or apt-get install chromium"
    if executable() is None
    else "the playwright package is missing: pip install -e '.[test]'"
    if importlib.util.find_spec("playwright") is None
    else None
)
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=f"BROWSER TESTS SKIPPED: {_MISSING}")

LAYOUT = """() => {
  const doc = document.documentElement;
  const panels = [...document.querySelectorAll('section.panel')];
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth,
          panels: panels.map(p => p.id.replace('panel-', '')),
          unread: panels.filter(p => !p.querySelector('.read time')).map(p => p.id),
          copies: [...document.querySelectorAll('button.copy')].filter(b => !b.hidden).length,
          text: document.body.innerText};
}"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def address(scratch: Scratch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = scratch.create_database("console_browser")
    try:
        with served(url, tmp_path_factory.mktemp("console")) as where:
            yield where
    finally:
        scratch.drop_database(url)


def _open(chromium: Any, address: str, width: int, *, script: bool = True) -> tuple[Any, Any]:
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=script, device_scale_factor=1
    )
    tab = context.new_page()
    tab.goto(address)
    return context, tab


def _complete(tab: Any) -> None:
    """Wait until the slow reads (the schema check on a scratch server, the logs) are on the page."""
    tab.wait_for_function(
        "() => !document.body.innerText.includes('Running the first check') "
        "&& !document.body.innerText.includes('Reading the logs') "
        "&& !document.body.innerText.includes('Running the invariants')",
        timeout=120_000,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_every_panel_reads_on_any_screen(chromium: Any, address: str, width: int) -> None:
    context, tab = _open(chromium, address, width)
    try:
        _complete(tab)
        tab.wait_for_selector("button.copy:not([hidden])", timeout=30_000)
        found = tab.evaluate(LAYOUT)
        assert found["scrollWidth"] <= found["innerWidth"], "the page scrolls sideways"
        assert found["panels"] == list(PANELS) and found["unread"] == []
        # One live fix (the dropped index): the missing constraint's file failed, so its hint says to fix
        # the file and run `migrate up`, as the pending table's says `migrate up`; neither gets SQL.
        assert found["copies"] >= 1, "each fix SQL has a copy button"
        text = found["text"]
        for fact in (
            "bot is active on vps-2",
            "(stale deploy)",
            "lease expired",
            "2 applied, 1 failed, 1 pending.",
            "1 of 1 invariant(s) broken.",
            "There is no verified backup",
            "409 Conflict",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_user_id_idx",
            "003_unique_names.sql creates it and failed on its last run",
        ):
            assert fact in text, fact
    finally:
        context.close()


def test_the_panels_refresh_in_place_and_copy_their_sql(chromium: Any, address: str) -> None:
    context, tab = _open(chromium, address, 1280)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        _complete(tab)
        tab.wait_for_function("() => document.body.hasAttribute('data-refreshed')", timeout=30_000)
        assert tab.url.rstrip("/") == address.rstrip("/"), "refreshed without a reload"
        assert tab.inner_text("#state") == "Broken", "the overall state follows the refreshed panels"
        button = tab.locator("#panel-check button.copy").first
        button.click()
        tab.wait_for_function(
            "() => document.querySelector('#panel-check button.copy').textContent === 'Copied'"
        )
        copied = tab.evaluate("navigator.clipboard.readText()")
        assert any(line.startswith(("CREATE", "ALTER")) for line in copied.splitlines()), copied
    finally:
        context.close()


def test_the_main_content_needs_no_javascript(chromium: Any, address: str) -> None:
    context, tab = _open(chromium, address, 390, script=False)
    try:
        text = tab.inner_text("body")
        assert "Instances" in text and "bot is active on vps-2" in text and "Read " in text
        assert tab.locator("button.copy:visible").count() == 0, "no dead buttons without the script"
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_accessibility_basics(chromium: Any, address: str, width: int, tmp_path: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context, tab = _open(chromium, address, width)
    try:
        _complete(tab)
        results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
