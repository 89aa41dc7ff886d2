"""The doctor's HTML page in a real headless Chromium, at a phone's and a desktop's width."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
from page_browser import WIDTHS, browser, executable, measure
from page_samples import clean_log, huge_report, week_log

from pgwarden.cli import main
from pgwarden.doctor.html import page as render_page

_MISSING = (
    "no Chromium binary: run `make .venv/bin/.installed` as root (it installs Debian's chromium) "
    "or apt-get install chromium"
    if executable() is None
    else "the playwright package is missing: pip install -e '.[test]'"
    if importlib.util.find_spec("playwright") is None
    else None
)
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=f"BROWSER TESTS SKIPPED: {_MISSING}")


@pytest.fixture(scope="module")
def chromium() -> Any:
    with browser() as launched:
        yield launched


def _page(tmp_path: Path, log: str, name: str) -> Path:
    src, out = tmp_path / f"{name}.log", tmp_path / f"{name}.html"
    src.write_text(log, encoding="utf-8")
    main(["doctor", "logs", "--html", str(out), str(src)], io.StringIO(), io.StringIO())
    return out


def _readable(found: dict[str, Any]) -> None:
    assert found["scrollWidth"] <= found["innerWidth"], "the page scrolls sideways"
    assert found["backticks"] == [], "raw Markdown backticks in the text"
    assert found["unlinked"] == [], "an incident reference that is not a link"
    assert found["broken"] == [], "a link that leads nowhere on the page"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_busy_week_reads_on_any_screen(chromium: Any, tmp_path: Path, width: int) -> None:
    found = measure(chromium, _page(tmp_path, week_log(), "week"), width)
    _readable(found)
    assert found["summary"] < found["timeline"], "the summary comes first"
    assert found["incidentLinks"], "the page refers to the incidents behind the signatures"
    assert "Act on this first" in found["text"] and "pgwarden doctor logs\n" not in found["text"][40:]


@pytest.mark.parametrize("width", WIDTHS)
def test_one_stray_timestamp_does_not_flatten_the_week(chromium: Any, tmp_path: Path, width: int) -> None:
    found = measure(chromium, _page(tmp_path, week_log(outlier=True), "outlier"), width)
    visible = [h for h in found["bars"] if h >= 3]
    assert len(visible) >= 60, f"only {len(visible)} bars of the week can be seen: {found['bars'][:20]}"
    assert max(found["bars"]) >= 100
    assert "1 event earlier, from 2019-03-04 10:00" in found["text"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_clean_log_says_so_in_one_line(chromium: Any, tmp_path: Path, width: int) -> None:
    found = measure(chromium, _page(tmp_path, clean_log(), "clean"), width)
    _readable(found)
    assert found["timeline"] is None
    assert "Clean: no known incident and nothing that looks like an error" in found["text"]
    assert "timestamp" not in found["text"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_huge_report_stays_a_small_page(chromium: Any, tmp_path: Path, width: int) -> None:
    report = huge_report()
    html = render_page(report)
    assert len(html.encode()) < 400_000, f"{len(html.encode()):,} bytes"
    out = tmp_path / "huge.html"
    out.write_text(html, encoding="utf-8")
    found = measure(chromium, out, width)
    _readable(found)
    assert "200 MB of logs" in found["text"]
