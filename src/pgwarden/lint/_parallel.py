"""Lint a large set of files on two cores: a forked child takes part of the files, batch by batch."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
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
    """``lint_some(files)``, part of it computed by a forked child; same findings, same order.

    The files are cut into batches whose numbers wait in a pipe; each process takes the next one
    when it is free, so both finish within a batch of each other whatever slows one down (the
    child also pays for pages it copies and for sending its findings; another program may hold a
    core). The child sends each batch's findings as soon as it has them, and this process reads
    them between its own batches: what is left to receive at the end is the last batch, not half
    of the findings (~25 ms for 7,500). ``before()`` runs in this process first (it may raise: the
    child is then stopped). If the child fails for any reason, this process lints its batches.
    """
    size = max(_BATCH_FILES, -(-len(files) // _MAX_BATCHES))
    batches = [files[start : start + size] for start in range(0, len(files), size)]
    queue_end, results_end = _pipes(len(batches))
    if queue_end is None or results_end is None:  # out of descriptors or processes: one core will do
        return lint_some(files)
    read_end, write_end = results_end
    try:
        pid = os.fork()
    except OSError:
        for fd in (queue_end, read_end, write_end):
            os.close(fd)
        return lint_some(files)
    if pid == 0:  # pragma: no cover - the child leaves through os._exit, out of coverage's sight
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                for i in _taken(queue_end):
                    out.write(_frame(i, lint_some(batches[i])))
                    out.flush()
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    theirs = _Received(read_end)
    try:
        if before is not None:
            before()
        done: dict[int, list[Finding]] = {}
        for i in _taken(queue_end):
            done[i] = lint_some(batches[i])
            theirs.take_ready()
        theirs.take_rest()
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(queue_end)
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    found: list[Finding] = []
    for i, batch in enumerate(batches):
        if i in done:
            found += done[i]
        elif status == 0 and i in theirs.batches:
            found += theirs.batches[i]
        else:  # the child took it and failed
            found += lint_some(batch)
    return found


def _frame(batch: int, found: list[Finding]) -> bytes:
    """A batch's findings as the child sends them: the length of what follows, then its pickle."""
    import pickle  # only large inputs get here

    data = pickle.dumps((batch, [_fields(f) for f in found]), pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(8, "little") + data


class _Received:
    """The batches the child sent so far, read from ``fd`` without waiting until ``take_rest``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.batches: dict[int, list[Finding]] = {}
        self._pending = bytearray()
        os.set_blocking(fd, False)

    def take_ready(self) -> None:
        """Read what the child wrote so far (it may wait on a full pipe: not for long)."""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self.fd, 1 << 20):
                self._pending += chunk
        self._unpack()

    def take_rest(self) -> None:
        """Read until the child closes its end (it has no batch left to take, or failed)."""
        os.set_blocking(self.fd, True)
        while chunk := os.read(self.fd, 1 << 20):
            self._pending += chunk
        self._unpack()

    def _unpack(self) -> None:
        import pickle

        at, pending = 0, self._pending
        while len(pending) - at >= 8:
            size = int.from_bytes(pending[at : at + 8], "little")
            if len(pending) - at - 8 < size:
                break  # the rest of this frame is still on its way
            batch, rows = pickle.loads(memoryview(pending)[at + 8 : at + 8 + size])
            self.batches[batch] = [_finding(fields) for fields in rows]
            at += 8 + size
        del pending[:at]


_BATCH_FILES = 16
"""Files per batch (~4 ms of linting): the two processes end at most about this apart."""

_MAX_BATCHES = 255
"""A batch's number is one byte in the pipe: larger runs get larger batches."""


def _pipes(batches: int) -> tuple[int | None, tuple[int, int] | None]:
    """The read end of a pipe holding the numbers of ``batches`` (all written, write end closed),
    and a pipe for the child's findings; ``(None, None)`` when they cannot be made."""
    try:
        queue_read, queue_write = os.pipe()
    except OSError:
        return None, None
    try:
        os.write(queue_write, bytes(range(batches)))  # at most 255 bytes: never more than a pipe holds
        results = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # room for all a child sends, mostly
            import fcntl  # Linux only, as forking is

            fcntl.fcntl(results[1], fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        os.close(queue_read)
        return None, None
    finally:
        os.close(queue_write)
    return queue_read, results


def _taken(queue: int) -> Iterator[int]:
    """The numbers of the batches this process takes from ``queue``, one at a time, until it is
    empty. A one-byte read from a pipe is atomic: each goes to exactly one of the two processes."""
    while taken := os.read(queue, 1):
        yield taken[0]


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
