"""The schema gate's child process (``python -m pgwarden.runtime.gate_child``), started ahead of its run.

The child spends most of a gate's time starting Python and importing the check's machinery, and
then waits for its work on stdin. ``pgwarden run`` starts it before it imports the guardian, so the
two processes import at the same time; the work (and with it any database access: a gate may apply
migrations) is handed over only after the guardian has checked the database's identity.
Standard library only: importing this module must cost nothing.
"""

from __future__ import annotations

import subprocess
import sys
import threading

__all__ = ["spawn", "unused"]


def spawn() -> subprocess.Popen[bytes]:
    """A gate's child process, importing, then reading its work from stdin."""
    return subprocess.Popen(
        [sys.executable, "-m", "pgwarden.runtime.gate_child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )


def unused(proc: subprocess.Popen[bytes]) -> None:
    """End a child that will get no work without waiting for it: an empty stdin tells it to exit
    once its imports are done; a thread reaps it (and kills it if it lingers)."""
    if proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
    threading.Thread(target=_reap, args=(proc,), name="pgwarden-gate-reaper", daemon=True).start()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
