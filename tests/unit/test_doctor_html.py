"""The HTML report: self-contained, escaped, with a timeline; and it renders in headless Chromium."""

from __future__ import annotations

import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pgwarden.cli import main

LOG = "".join(
    f"2026-11-22 {h:02d}:{m:02d}:00,000 - aiogram.dispatcher - ERROR - Failed to fetch updates - TelegramConflictError: "
    "Telegram server says - Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running\n"
    f"2026-11-22 {h:02d}:{m:02d}:30,000 - app - WARNING - <script>alert(x)</script> payment {m} pending\n"
    for h in (9, 10, 12)
    for m in range(0, 60, 15)
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.sources += [v or "" for k, v in attrs if k in ("src", "href")]


def _write(tmp_path: Path) -> Path:
    log, page = tmp_path / "bot.log", tmp_path / "report.html"
    log.write_text(LOG, encoding="utf-8")
    code = main(["doctor", "logs", "--html", str(page), str(log)], io.StringIO(), io.StringIO())
    assert code == 1
    return page


def test_page_is_self_contained_and_escaped(tmp_path: Path) -> None:
    text = _write(tmp_path).read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.tags and parser.sources == []
    assert "&lt;script&gt;" in text
    assert parser.tags.count("rect") == 3  # three hours with incidents
    assert 'id="telegram-conflict"' in text and "pgwarden run" in text


def test_unwritable_html_path_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(LOG, encoding="utf-8")
    err = io.StringIO()
    code = main(
        ["doctor", "logs", "--html", str(tmp_path / "no" / "such" / "r.html"), str(log)], io.StringIO(), err
    )
    assert code == 2 and "Cannot write the HTML report" in err.getvalue()


_CHROMIUM = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


@pytest.mark.skipif(_CHROMIUM is None, reason="needs a Chromium binary (apt-get install chromium)")
def test_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = _write(tmp_path)
    assert _CHROMIUM is not None
    run = subprocess.run(
        [_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert '<svg id="timeline"' in dom and dom.count("<rect") == 3
    assert "Two bot instances poll Telegram at once" in dom
