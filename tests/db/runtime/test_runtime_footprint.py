"""What an idle guardian loads: the modules it does not need stay out of its memory (target <= 40 MB RSS).

``bench/failover.py`` measures the RSS; this guards the imports that took it over the target before:
the backup package (and the catalog it imports) without ``[backup]``, the webhook integration and
``urllib.request`` for a polling bot, psutil for one RSS number, pickle without a schema gate to run,
the recovery path before any data loss, and what only a config with a typo or an alembic.ini needs.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SERVERS

from pgwarden.scratch import Scratch

NOT_LOADED = (
    "pgwarden.backup",
    "pgwarden.catalog",
    "pgwarden.integrations._webhook",
    "pgwarden.runtime.recovery",
    "urllib.request",
    "http.client",
    "psutil",
    "pickle",
    "difflib",  # for "did you mean" in a config with a typo
    "configparser",  # for an alembic.ini
)


def test_an_idle_polling_guardian_does_not_load_what_it_does_not_use(
    scratch: Scratch, db_url: str, tmp_path: Path
) -> None:
    if scratch.version != SERVERS[0].version:
        pytest.skip("a process test: one PostgreSQL major is enough")
    log = tmp_path / "guardian.log"
    argv = [sys.executable, "-X", "importtime", "-m", "pgwarden", "run", "--db", db_url, "--name", "idle"]
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [*argv, "--", "sleep", "60"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        deadline = time.monotonic() + 60
        while "as the active instance" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[
                -3000:
            ]
            time.sleep(0.1)
        time.sleep(1.0)  # a few rounds of the loop after the promotion: renewals, registry, health
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    text = log.read_text(errors="replace")
    loaded = {line.split("|")[-1].strip() for line in text.splitlines() if line.startswith("import time:")}
    assert "pgwarden.runtime.warden" in loaded and "psycopg" in loaded  # the trace is complete
    assert sorted(m for m in NOT_LOADED if m in loaded) == []
