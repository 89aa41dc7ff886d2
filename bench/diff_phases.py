"""Where ``pgwarden diff`` between two live databases spends its time: the server's CPU per catalog
query, and the whole command's timeline (queries sent, rows in, tables built, report written).

    .venv/bin/python bench/diff_phases.py URL_A URL_B [--repeat 7]

Per query: each catalog query ``inspect_with_privileges`` sends, in its order, on a fresh backend,
with the server backend's CPU time read from ``/proc/<pid>/schedstat`` before and after (rows sent
and read included; the server must run on this machine, as the benchmark server does). Medians of
``--repeat`` backends, for database A.

Timeline: ``pgwarden diff --from B --to A --format json`` run in this process ``--repeat`` times
(the first discarded), with the moments each inspection sent its queries, had its rows, and had
built its schema, and when the report began and ended; seconds since the command started, and the
process CPU time at each moment. Imports before the command (the interpreter, psycopg, click) are
not in it: ``bench/cli.py`` times the whole process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.catalog import _inspect, _prefetch
from pgwarden.catalog.acl import PRIVILEGE_QUERIES
from pgwarden.cli import diff as diff_command
from pgwarden.cli import main


def backend_cpu_ms(pid: int) -> float:
    """CPU time the process ``pid`` has run, in milliseconds (``schedstat``: nanoseconds on CPU)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6


def per_query(url: str, repeat: int) -> dict[str, float]:
    """{query: median server CPU ms} for the catalog queries of one inspection, in their order."""
    names = [*_inspect.QUERIES[1:], *PRIVILEGE_QUERIES]
    found: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeat):
        with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
            pid, version = conn.info.backend_pid, conn.info.server_version
            nsp = [row[0] for row in _prefetch.first(conn, b"", ())]
            for name in names:
                text = _prefetch.query(name, version)
                before = backend_cpu_ms(pid)
                conn.execute(text, {"nsp": nsp} if "%(nsp)s" in text else None)  # type: ignore[arg-type]
                found[name].append(backend_cpu_ms(pid) - before)
    return {name: statistics.median(times) for name, times in found.items()}


class Timeline:
    """Moments of one command: (label, seconds since start, process CPU seconds)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.cpu = time.process_time()
        self.marks: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()

    def mark(self, label: str) -> None:
        with self.lock:
            self.marks.append((label, time.perf_counter() - self.start, time.process_time() - self.cpu))


def _wrap(owner: Any, name: str, before: str | None, after: str, timeline: list[Timeline]) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before:
            timeline[0].mark(before)
        result = original(*args, **kwargs)
        timeline[0].mark(after)
        return result

    setattr(owner, name, wrapped)


def timelines(url_a: str, url_b: str, repeat: int) -> list[list[tuple[str, float, float]]]:
    current = [Timeline()]
    _wrap(_prefetch.Queries, "prefetch", "queries sent", "rows in", current)
    _wrap(_inspect, "_read", None, "schema built", current)
    _wrap(diff_command, "_report", "report begins", "report written", current)
    runs = []
    for _ in range(repeat + 1):
        current[0] = Timeline()
        with contextlib.redirect_stdout(io.StringIO()):
            main(["diff", "--from", url_b, "--to", url_a, "--format", "json"], out=io.StringIO())
        current[0].mark("command returns")
        runs.append(sorted(current[0].marks, key=lambda m: m[1]))
    return runs[1:]


def main_(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url_a")
    parser.add_argument("url_b")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    costs = per_query(args.url_a, args.repeat)
    print("| query | server CPU ms (median) |\n|---|---:|")
    for name, ms in sorted(costs.items(), key=lambda item: -item[1]):
        print(f"| {name} | {ms:.1f} |")
    print(f"| all | {sum(costs.values()):.1f} |\n")

    runs = timelines(args.url_a, args.url_b, args.repeat)
    labels = [label for label, _, _ in runs[0]]
    print("| moment (both inspections in one thread each) | s since start (median) | process CPU s |")
    print("|---|---:|---:|")
    for i, label in enumerate(labels):
        wall = statistics.median(run[i][1] for run in runs if len(run) == len(labels))
        cpu = statistics.median(run[i][2] for run in runs if len(run) == len(labels))
        print(f"| {label} | {wall:.3f} | {cpu:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
