"""``pgwarden console`` running in a subprocess against a database in a known state, for the browser."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from page_samples import _MESSAGES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/console_state.py
from console_state import known_state  # noqa: E402

PANELS = (
    "instances",
    "data-loss",
    "check",
    "migrations",
    "invariants",
    "backups",
    "takeovers",
    "timeline",
    "incidents",
)


def day_log(seed: int = 7) -> str:
    """The last day of a bot's log (the console reads one day), in this host's local time like most logs."""
    rng = random.Random(seed)
    now = datetime.now()
    texts, weights = [m for m, _ in _MESSAGES], [w for _, w in _MESSAGES]
    lines = [
        f"{now - timedelta(minutes=10 * i):%Y-%m-%d %H:%M:%S},123 - app - {rng.choices(texts, weights)[0]}"
        for i in range(140, 0, -1)
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def served(url: str, folder: Path, *, refresh: float = 1.0) -> Iterator[str]:
    """The console's address, serving ``url`` after ``known_state`` made it (stopped on the way out)."""
    config = known_state(url, folder / "project")
    log = folder / "bot.log"
    log.write_text(day_log(), encoding="utf-8")
    command = [sys.executable, "-m", "pgwarden", "--config", str(config), "console", "--db", url]
    command += ["--port", "0", "--refresh", str(refresh), "--slow-every", "5", "--log", str(log)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            line = proc.stdout.readline()
            assert line.startswith("pgwarden console: serving "), line + proc.stderr.read()
            yield line.split()[3]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


@contextmanager
def guarded(url: str, folder: Path) -> Iterator[str]:
    """The console's address on a real guardian (``pgwarden run`` with ``runtime.console``) over ``known_state``."""
    config = known_state(url, folder / "project")
    with config.open("a", encoding="utf-8") as file:
        file.write('\n[runtime]\nname = "guard"\nconsole = true\n')
    log = folder / "guardian.log"
    command = [sys.executable, "-m", "pgwarden", "--config", str(config), "run", "--db", url]
    command += ["--health-port", "0", "--", sys.executable, "-c", "import time; time.sleep(600)"]
    # stderr to a file: the guardian logs on, and nobody has to drain a pipe
    with log.open("w") as err, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err) as proc:
        try:
            yield _console_line(log, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def _console_line(log: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8").splitlines():
            if " console on http" in line:
                return line.split(" console on ")[1].split()[0]
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError("the guardian did not mount its console:\n" + log.read_text(encoding="utf-8"))
