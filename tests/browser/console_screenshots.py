"""Screenshots of ``pgwarden console`` for docs/img/: a phone's first screen, a desktop's, the whole desktop page.

Run from the repository: ``.venv/bin/python tests/browser/console_screenshots.py`` (needs chromium and
PostgreSQL binaries; it starts a throwaway cluster).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from console_served import served
from page_browser import browser

from pgwarden.scratch import Cluster, Scratch, find_binaries

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
SHOTS = {
    "console-390.png": (390, 844, False),
    "console-1280.png": (1280, 800, False),
    "console-full.png": (1280, 800, True),
}

READY = (
    "() => !document.body.innerText.includes('Running the first check') "
    "&& !document.body.innerText.includes('Reading the logs') "
    "&& !document.body.innerText.includes('Running the invariants')"
)


def shoot(out: Path = OUT) -> list[Path]:
    binaries = find_binaries()
    assert binaries is not None, "no PostgreSQL binaries"
    cluster = Cluster(binaries)
    cluster.start()
    shots = []
    try:
        with Scratch(cluster.url, cluster=cluster) as scratch, tempfile.TemporaryDirectory() as tmp:
            url = scratch.create_database("console")
            with served(url, Path(tmp), refresh=60) as address, browser() as chromium:
                for name, (width, height, full) in SHOTS.items():
                    tab = chromium.new_page(
                        viewport={"width": width, "height": height}, device_scale_factor=1
                    )
                    tab.goto(address)
                    tab.wait_for_function(READY, timeout=120_000)
                    tab.reload()  # the first screen as a visitor gets it: every panel already read
                    tab.wait_for_selector("button.copy:not([hidden])")
                    tab.screenshot(path=str(out / name), full_page=full)
                    tab.close()
                    shots.append(out / name)
    finally:
        cluster.stop()
    return shots


if __name__ == "__main__":
    for path in shoot():
        sys.stdout.write(f"{path}\n")
