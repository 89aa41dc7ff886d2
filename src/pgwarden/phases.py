"""Where a command's time goes: with ``pgwarden -v`` each phase it ends is said on stderr.

A line reads ``pgwarden: 0.412 s, CPU 0.371 s: FROM read (12 tables)``: the wall time
since pgwarden's first import (the interpreter's own start, ~20 ms, comes before it) and the CPU
time this process has used so far, its start included. Between two lines is what that phase cost;
a wall time growing faster than the CPU time is time spent waiting (for the server, the network,
the disk). Until the CLI's ``-v`` calls :func:`say`, :func:`mark` does nothing; this
module imports nothing else, so the console entry (``__main__``) imports it before anything heavy,
to start the clock.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()
_saying = False


def say(on: bool) -> None:
    """Whether :func:`mark` speaks from now on, through the ``pgwarden.phases`` logger (``-v`` sends
    it to stderr); the CLI sets it for each command it runs."""
    global _saying
    _saying = on


def mark(done: str) -> None:
    """Say that the phase ``done`` names has ended, when ``-v`` asked for it."""
    if _saying:
        import logging  # the CLI that asked has it loaded

        logging.getLogger("pgwarden.phases").info(
            "%.3f s, CPU %.3f s: %s", time.perf_counter() - _STARTED, time.process_time(), done
        )
