"""The gate's child process started ahead of its run, and ended unused when no work comes."""

from __future__ import annotations

import time

from pgwarden.runtime import gate_process


def test_a_child_that_gets_no_work_exits_cleanly_without_the_caller_waiting() -> None:
    proc = gate_process.spawn()
    started = time.monotonic()
    gate_process.unused(proc)  # returns at once: a thread reaps the child
    assert time.monotonic() - started < 0.2
    assert proc.wait(timeout=30) == 0, "an empty stdin ends the child quietly (no pickle error)"
