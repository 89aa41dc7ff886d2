"""Lint a large set of files on two cores: a forked child takes part of the files."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..findings import Finding, Severity

MIN_FILES = 100
"""Below this many files the fork and the transfer of findings cost more than the second core saves."""

_SEVERITIES = {s.value: s for s in Severity}


def worth_forking(files: int) -> bool:
    """Whether to split ``files`` over two processes: Linux (fork is cheap and safe there), a core
    to spare, enough files, and no other thread that a fork could catch holding a lock.

    A core to spare: more than one usable, and no more processes ready to run right now, this one
    included, than cores (``/proc/loadavg``; its one-minute average lags by a minute). With one
    other process on two cores the pair still gets two thirds of the machine instead of half; on a
    busier one the child only competes for the same core, and the fork and the transfer of its
    findings make the whole command slower (measured: 1.66 s against 1.37 s wall at load 6.7 on 2
    cores; 0.43 s against 0.55 s at load 2.3).
    """
    if files < MIN_FILES or not sys.platform.startswith("linux"):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores > 1 and _runnable() <= cores and threading.active_count() == 1


def _runnable() -> int:
    """Processes ready to run at this moment, this one included (0 when it cannot be read)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            return int(loadavg.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 0


def lint_split(
    files: Sequence[Path],
    lint_some: Callable[[Sequence[Path]], list[Finding]],
    *,
    before: Callable[[], object] | None = None,
) -> list[Finding]:
    """``lint_some(files)``, the second part computed by a forked child; same findings, same order.

    ``before()`` runs in this process while the child lints (it may raise: the child is then
    stopped); this process then lints a smaller first part. If the child fails for any reason,
    this process lints the second part itself.
    """
    import pickle  # only large inputs get here

    # The folder checks cost about a fifth of linting the same files: the child takes more.
    half = len(files) // 2 if before is None else len(files) * 2 // 5
    first, second = files[:half], files[half:]
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory: one core will do
        os.close(read_end)
        os.close(write_end)
        return lint_some(files)
    if pid == 0:  # pragma: no cover - the child leaves through os._exit, out of coverage's sight
        status = 1
        try:
            os.close(read_end)
            payload = pickle.dumps([_fields(f) for f in lint_some(second)], pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        try:
            if before is not None:
                before()
            found = lint_some(first)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        payload = inp.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return found + lint_some(second)
    return found + [_finding(fields) for fields in pickle.loads(payload)]


def _fields(f: Finding) -> tuple[Any, ...]:
    # Plain tuples pickle several times faster than dataclass instances with an enum inside.
    return (f.code, f.kind, f.severity.value, f.object, f.message, f.hint, f.fix_sql, f.source, f.evidence)


def _finding(fields: tuple[Any, ...]) -> Finding:
    code, kind, severity, obj, message, hint, fix_sql, source, evidence = fields
    return Finding(
        code=code,
        kind=kind,
        severity=_SEVERITIES[severity],
        object=obj,
        message=message,
        hint=hint,
        fix_sql=fix_sql,
        source=source,
        evidence=evidence,
    )
