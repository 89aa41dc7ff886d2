"""The HTML report: self-contained, escaped, with a timeline; and it renders in headless Chromium."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

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
    assert "script" not in parser.tags and "img" not in parser.tags and "link" not in parser.tags
    assert all(s.startswith("#") for s in parser.sources), parser.sources  # links within the page only
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert 'id="telegram-conflict"' in text and "<code>pgwarden run</code>" in text


def test_summary_comes_first_and_names_what_to_do(tmp_path: Path) -> None:
    text = _write(tmp_path).read_text(encoding="utf-8")
    assert text.index('id="summary"') < text.index('id="timeline"') < text.index('id="incidents"')
    summary = text[text.index('id="summary"') : text.index('id="timeline"')]
    assert "Act on this first" in summary and 'href="#telegram-conflict"' in summary
    assert "Run <code>pgwarden run</code>" in summary
    assert (
        "3 hours" not in summary
        and "from <time>2026-11-22 09:00</time> to <time>2026-11-22 12:45</time>" in summary
    )


def test_incident_references_link_to_the_page_index(tmp_path: Path) -> None:
    text = _write(tmp_path).read_text(encoding="utf-8")
    assert '<a href="#incident-002">incident 002</a>' in text
    assert '<li id="incident-002">' in text
    assert "(incident 002)" not in text


def test_a_clean_log_is_one_line_and_no_chart(tmp_path: Path) -> None:
    log, page = tmp_path / "bot.log", tmp_path / "report.html"
    log.write_text("2026-11-22 10:00:00,000 - app - INFO - started\n", encoding="utf-8")
    assert main(["doctor", "logs", "--html", str(page), str(log)], io.StringIO(), io.StringIO()) == 0
    text = page.read_text(encoding="utf-8")
    assert "<b>Clean:</b> no known incident and nothing that looks like an error in 47 bytes of logs." in text
    assert 'id="timeline"' not in text and "timestamp" not in text and "0.0 MB" not in text


def test_unwritable_html_path_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(LOG, encoding="utf-8")
    err = io.StringIO()
    code = main(
        ["doctor", "logs", "--html", str(tmp_path / "no" / "such" / "r.html"), str(log)], io.StringIO(), err
    )
    assert code == 2 and "Cannot write the HTML report" in err.getvalue()


def test_tz_reads_zoneless_times_in_that_zone_and_names_it(tmp_path: Path) -> None:
    log, page = tmp_path / "bot.log", tmp_path / "report.html"
    log.write_text(LOG, encoding="utf-8")
    out = io.StringIO()
    code = main(
        ["doctor", "logs", "--tz", "Europe/Moscow", "--format", "json", "--html", str(page), str(log)],
        out,
        io.StringIO(),
    )
    assert code == 1
    assert '"first_seen": "2026-11-22T09:00:00+03:00"' in out.getvalue()
    text = page.read_text(encoding="utf-8")
    assert "Times are UTC+03:00, the zone asked for with --tz" in text
    assert "from <time>2026-11-22 09:00</time>" in text


def test_an_unknown_tz_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(LOG, encoding="utf-8")
    err = io.StringIO()
    assert main(["doctor", "logs", "--tz", "Mars/Base", str(log)], io.StringIO(), err) == 2
    assert "--tz 'Mars/Base' is not a time zone" in err.getvalue()


def test_the_terminal_says_sizes_and_counts_as_people_read_them(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text("2026-11-22 10:00:00,000 - app - INFO - started\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["--no-color", "doctor", "logs", str(log)], out, io.StringIO()) == 0
    assert "0 incidents (0 at error), 47 bytes read." in out.getvalue()
