"""Screenshots of the doctor's HTML page for docs/img/: a phone's first screen and a desktop's.

Run from the repository: ``.venv/bin/python tests/browser/screenshots.py`` (needs chromium).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

from page_browser import browser, measure
from page_samples import week_log

from pgwarden.cli import main

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
SIZES = {390: 844, 1280: 800}


def shoot(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory() as tmp:
        log, page = Path(tmp) / "bot.log", Path(tmp) / "report.html"
        log.write_text(week_log(), encoding="utf-8")
        here = Path.cwd()
        os.chdir(tmp)  # the page names the log as a user typed it: bot.log, not a temporary path
        try:
            main(
                ["--no-color", "doctor", "logs", "--html", str(page), log.name], io.StringIO(), io.StringIO()
            )
        finally:
            os.chdir(here)
        with browser() as chromium:
            for width, height in SIZES.items():
                shot = out / f"doctor-report-{width}.png"
                found = measure(chromium, page, width, screenshot=shot, height=height)
                assert found["scrollWidth"] <= width, f"{width} px: the page scrolls sideways"
                shots.append(shot)
    return shots


if __name__ == "__main__":
    for path in shoot():
        sys.stdout.write(f"{path}\n")
