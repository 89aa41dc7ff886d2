"""The console mounted on the guardian (``runtime.console``) against ``pgwarden console`` alone, on a big database.

    python bench/console_mounted.py [--tables 2000] [--samples 100000] [--requests 100]

Builds bench/console.py's database (``--tables`` tables checked against a snapshot, 10 invariants
with ``--samples`` samples, 200 instances, 1,000 takeovers, a backup directory), then, as whole
commands:

- the anchor: ``pgwarden console`` alone, ``--requests`` page loads once every panel is read;
- ``pgwarden run --health-port 0 -- sleep`` without the console: the guardian's RSS, and its event
  loop's lag (``/health/live``) read after each of ``--requests`` requests to ``/health/live``;
- the same with ``runtime.console = true``: ``--requests`` loads of ``/console/`` (each followed by
  a ``/health/live`` for the loop's lag), and the guardian's RSS after them.

Page loads are timed by a client over loopback (server time plus a round trip), paced at 4 a
second, under the console's rate limit. Targets (issue 18): page ≤ 200 ms; mounting it must not
make the guardian's loop late (a lease renewal waits on that loop): lag max ≤ 50 ms.
Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from console import BIN, build, console

from pgwarden.scratch import Cluster, Scratch, find_binaries


def guardian(url: str, folder: Path, requests: int, *, mounted: bool) -> dict[str, float]:
    config = folder / ("mounted.toml" if mounted else "plain.toml")
    extra = '\n[runtime]\nname = "bench"\n' + ("console = true\n" if mounted else "")
    config.write_text((folder / "pgwarden.toml").read_text() + extra)
    log = folder / f"guardian-{mounted}.log"
    command = [str(BIN), "--config", str(config), "run", "--db", url, "--health-port", "0", "--"]
    command += ["sleep", "3600"]
    with (
        log.open("w") as err,
        subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=err) as proc,
    ):
        try:
            base = _address(log, proc)
            times, lags = [], []
            with httpx.Client(timeout=30) as client:
                if mounted:
                    while any(
                        p["read_at"] is None
                        for k, p in client.get(f"{base}/console/state.json").json().items()
                        if k != "incidents"  # no logs on the guardian
                    ):
                        time.sleep(0.5)
                else:
                    time.sleep(5)  # the first gate run and the identity pin, as with the console
                for _ in range(requests):
                    t = time.perf_counter()
                    if mounted:
                        response = client.get(f"{base}/console/")
                        assert response.status_code == 200, response.status_code
                        times.append(time.perf_counter() - t)
                    live = client.get(f"{base}/health/live").json()
                    lags.append(live.get("loop_lag_seconds") or 0.0)
                    time.sleep(max(0.0, 0.25 - (time.perf_counter() - t)))
            rss = psutil.Process(proc.pid).memory_info().rss / 1e6
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    result = {"rss_mb": rss, "lag_max_ms": max(lags) * 1000, "lag_median_ms": statistics.median(lags) * 1000}
    if times:
        times.sort()
        result["page_median_ms"] = statistics.median(times) * 1000
        result["page_p95_ms"] = times[int(len(times) * 0.95) - 1] * 1000
    return result


def _address(log: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if "health endpoints on " in line:
                return line.split("health endpoints on ")[1].split()[0]
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(log.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    binaries = find_binaries()
    assert binaries is not None, "no PostgreSQL binaries"
    cluster = Cluster(binaries)
    cluster.start()
    try:
        with Scratch(cluster.url, cluster=cluster) as scratch, tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url = scratch.create_database("bench_console_mounted")
            build(url, folder, args.tables, args.samples)
            for name in ("PGWARDEN_CONSOLE_TOKEN", "PGWARDEN_HEALTH_TOKEN"):
                os.environ.pop(name, None)
            alone = console(url, folder, args.requests)
            plain = guardian(url, folder, args.requests, mounted=False)
            mounted = guardian(url, folder, args.requests, mounted=True)
    finally:
        cluster.stop()
    print(f"\n{args.tables} tables, {args.samples:,} samples, {args.requests} requests each\n")
    print(
        "| page load (client over loopback) | anchor: `pgwarden console` | mounted on the guardian | ratio |"
    )
    print("|---|---:|---:|---:|")
    for key, label in (("page_median_ms", "median"), ("page_p95_ms", "p95")):
        print(f"| {label} | {alone[key]:.1f} ms | {mounted[key]:.1f} ms | {mounted[key] / alone[key]:.2f} |")
    print()
    print("| the guardian | without the console | with `runtime.console` | difference |")
    print("|---|---:|---:|---:|")
    print(
        f"| RSS | {plain['rss_mb']:.1f} MB | {mounted['rss_mb']:.1f} MB | +{mounted['rss_mb'] - plain['rss_mb']:.1f} MB |"
    )
    for key, label in (("lag_median_ms", "event-loop lag, median"), ("lag_max_ms", "event-loop lag, max")):
        print(
            f"| {label} | {plain[key]:.1f} ms | {mounted[key]:.1f} ms | {mounted[key] - plain[key]:+.1f} ms |"
        )
    print(f"\n(`pgwarden console` alone: RSS {alone['rss_mb']:.1f} MB.)")
    missed = mounted["page_p95_ms"] > 200 or mounted["lag_max_ms"] > 50
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
