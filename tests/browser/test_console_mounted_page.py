"""The console mounted on a real guardian's HTTP server (``runtime.console``), in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from console_served import PANELS, guarded
from page_browser import browser
from test_console_page import LAYOUT, pytestmark  # noqa: F401 - the same skip when no browser

from pgwarden.scratch import Scratch

SHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "console-mounted-1280.png"


@pytest.fixture(scope="module")
def mounted(scratch: Scratch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = scratch.create_database("console_mounted")
    try:
        with guarded(url, tmp_path_factory.mktemp("guardian")) as where:
            yield where, url
    finally:
        scratch.drop_database(url)


def test_the_mounted_page_renders_and_updates_in_place(mounted: tuple[str, str], tmp_path: Path) -> None:
    address, url = mounted
    assert address.endswith("/console/"), address
    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        tab = context.new_page()
        failed: list[str] = []
        tab.on("requestfailed", lambda r: failed.append(r.url))
        tab.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            tab.goto(address.rstrip("/"))  # /console redirects to /console/; the page's addresses follow
            tab.wait_for_function("() => !document.body.innerText.includes('Not read yet')", timeout=60_000)
            found = tab.evaluate(LAYOUT)
            assert set(found["panels"]) >= set(PANELS) - {"incidents"}, found["panels"]
            assert "bot is active on vps-2" in found["text"] and "(stale deploy)" in found["text"]
            styled = tab.evaluate("() => getComputedStyle(document.querySelector('header.top')).display")
            assert styled != "inline", "the stylesheet under /console/static/ was not applied"
            # live: a takeover recorded now appears without a reload
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    "INSERT INTO pgwarden.takeovers (name, epoch, holder, reason) "
                    "VALUES ('bot', 4, gen_random_uuid(), 'mounted console test: live update')"
                )
            tab.wait_for_function(
                "() => document.body.innerText.includes('mounted console test: live update')", timeout=60_000
            )
            # the guardian serving the page recorded its own gate verdict; the timeline shows it
            tab.wait_for_function(
                "() => document.querySelector('#panel-timeline').innerText.includes('guard on ')",
                timeout=60_000,
            )
            timeline = tab.inner_text("#panel-timeline")
            assert (
                "Schema gate failed: migrations are not at head; the contract check found 3 error(s)."
                in timeline
            )
            assert tab.evaluate("() => document.body.hasAttribute('data-refreshed')"), "refreshed in place"
            assert tab.url.rstrip("/") == address.rstrip("/"), "no reload, no navigation"
            assert failed == [], failed
            tab.screenshot(path=str(tmp_path / "mounted.png"), full_page=True)
            if SHOT.parent.is_dir():
                tab.locator("#panel-timeline").scroll_into_view_if_needed()
                tab.screenshot(path=str(SHOT))
        finally:
            context.close()
