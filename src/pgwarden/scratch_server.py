"""The ``postgres`` process of a scratch cluster: started as pgwarden's child, watched through its
``postmaster.pid``, stopped with an immediate shutdown.

``pg_ctl start -w`` and ``pg_ctl stop -w`` look at the server every 100 ms, so each costs up to a
tenth of a second of waiting beyond the server's own work (and a ``pg_ctl`` process). Here the
server's lock file is read every few milliseconds until it says ``ready``, and the stop waits for
the child to exit. A server that is not this child (someone restarted the cluster with ``pg_ctl``)
is stopped with ``pg_ctl`` as before: a pid read from a file is never signalled directly.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from .errors import ScratchError

__all__ = ["launch", "running_pid", "stop", "wait_ready"]

_POLL = 0.003
"""Seconds between two looks at ``postmaster.pid`` while the server starts."""
_READY_LINE = (
    7  # postmaster.pid: pid, data folder, start time, port, socket folder, address, shmem key, status
)


def launch(
    postgres: str,
    data: Path,
    options: str,
    *,
    cwd: Path,
    log: Path,
    env: Mapping[str, str],
    owner: tuple[int, int] | None,
) -> subprocess.Popen[bytes]:
    """Start ``postgres -D data`` with ``options`` (a ``pg_ctl -o`` string, split as the shell would),
    its output appended to ``log``; as ``owner`` when given (done in C: no Python between fork and
    exec, so another thread may be importing meanwhile)."""
    uid, gid = owner if owner else (None, None)
    with open(log, "ab") as out:
        if owner:  # the cluster's user writes it too when someone restarts the server with pg_ctl -l
            os.fchown(out.fileno(), *owner)
        return subprocess.Popen(
            [postgres, "-D", str(data), *shlex.split(options)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env),
            user=uid,
            group=gid,
            extra_groups=[] if owner else None,
            start_new_session=True,  # Ctrl-C in the terminal must not kill the server before we stop it
        )


def wait_ready(server: subprocess.Popen[bytes], data: Path, *, timeout: float, log: Path) -> None:
    """Return once ``server`` accepts connections; ``ScratchError`` with the log's end if it exits
    or is not ready within ``timeout`` seconds (then it is stopped)."""
    pidfile = data / "postmaster.pid"
    deadline = time.monotonic() + timeout
    while True:
        if _status(pidfile, server.pid) == "ready":
            return
        if server.poll() is not None:
            raise ScratchError(f"postgres exited with status {server.returncode}: {_tail(log)}")
        if time.monotonic() > deadline:
            server.kill()
            server.wait()
            raise ScratchError(f"postgres was not ready after {timeout:.0f} s: {_tail(log)}")
        time.sleep(_POLL)


def _status(pidfile: Path, pid: int) -> str | None:
    try:
        lines = pidfile.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if len(lines) <= _READY_LINE or lines[0].strip() != str(pid):
        return None
    return lines[_READY_LINE].strip()


def running_pid(data: Path) -> int | None:
    """The pid ``postmaster.pid`` names, or ``None`` when there is no such file."""
    try:
        first = (data / "postmaster.pid").read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    except OSError:
        return None
    return int(first) if first.strip().isdigit() else None


def stop(server: subprocess.Popen[bytes] | None, data: Path) -> bool:
    """Stop ``server``, the child that runs the cluster at ``data``, at once (SIGQUIT: no checkpoint,
    the data is thrown away) and wait for it. ``False`` when another process runs the cluster now:
    the caller stops that one with ``pg_ctl``."""
    other = running_pid(data)
    if server is not None and server.poll() is None and other in (None, server.pid):
        server.send_signal(signal.SIGQUIT)  # immediate shutdown: the postmaster ends its children first
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return True
    if server is not None:
        server.wait()  # it exited already (stopped by someone else): reap it
    return other is None or (server is not None and other == server.pid)


def _tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no server log)"
    return " / ".join(lines[-3:]) or "(empty server log)"
