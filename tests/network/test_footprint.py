"""pgwarden's core installs beside the bot frameworks its users run: pip's resolver, asked with --dry-run.

Needs PyPI; skipped (with the reason) when it cannot be reached, or with PGWARDEN_OFFLINE=1.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMBINATIONS = {
    "aiogram-3": "aiogram>=3,<4",
    "ptb-20": "python-telegram-bot>=20,<21",
    "ptb-21": "python-telegram-bot>=21,<22",
    "ptb-22": "python-telegram-bot>=22,<23",
}


def _pypi_reachable() -> str | None:
    if os.environ.get("PGWARDEN_OFFLINE"):
        return "PGWARDEN_OFFLINE is set"
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
    except OSError as exc:
        return f"pypi.org:443 cannot be reached ({exc})"
    return None


_offline = _pypi_reachable()
pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(_offline is not None, reason=f"needs PyPI: {_offline}"),
]


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path]]:
    """Every combination asked at once: pip mostly waits on PyPI, so four run in the time of one."""
    folder = tmp_path_factory.mktemp("pip")
    running = {}
    for key, framework in COMBINATIONS.items():
        report = folder / f"{key}.json"
        argv = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
        argv += ["--disable-pip-version-check", "--report", str(report), str(ROOT), framework]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        running[key] = (proc, report)
    done = {}
    for key, (proc, report) in running.items():
        _, err = proc.communicate(timeout=900)
        done[key] = (proc.returncode, err, report)
    return done


@pytest.mark.parametrize("key", list(COMBINATIONS))
def test_core_resolves_beside(key: str, resolutions: dict[str, tuple[int, str, Path]]) -> None:
    code, err, path = resolutions[key]
    assert code == 0, f"pip cannot install pgwarden beside {COMBINATIONS[key]}:\n{err[-3000:]}"
    report = json.loads(path.read_text(encoding="utf-8"))
    names = {item["metadata"]["name"].lower() for item in report["install"]}
    assert "pgwarden" in names
    # The core pulls in no web server and no regex engine: those are the server/fast-logs extras.
    assert names.isdisjoint({"starlette", "uvicorn", "hyperscan", "prometheus-client"}), sorted(names)
