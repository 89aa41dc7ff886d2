"""The console against the commands an operator runs instead, on a big database.

    python bench/console.py [--tables 2000] [--samples 100000] [--requests 100]

Builds a throwaway cluster with ``--tables`` tables (the schema check compares them with a
snapshot), 10 invariants with ``--samples`` stored samples, 200 registered instances, 1,000
takeovers, a migration ledger, a backup directory and a 20 MB log. Then, as whole commands:

- the anchor: ``pgwarden status``, ``check``, ``migrate status``, ``backup list`` and ``doctor
  logs`` run one after the other (what a person runs to see the same facts without the console);
- ``pgwarden console``: process start to the first page served, then ``--requests`` page loads
  once every panel has been read (client-side over loopback: server time plus a loopback round
  trip; paced at 4 a second, under the console's rate limit), and the console process's RSS after them.

Targets (issue 18): page ≤ 200 ms server time, console RSS ≤ 60 MB. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psutil
import psycopg

from pgwarden.scratch import Cluster, Scratch, find_binaries

BIN = Path(sys.executable).parent / "pgwarden"


def build(url: str, folder: Path, tables: int, samples: int) -> Path:
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, tables, 500):
            conn.execute(
                "".join(
                    f"CREATE TABLE t_{i} (id bigint PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now());"
                    for i in range(start, min(tables, start + 500))
                ).encode()
            )
        conn.execute("INSERT INTO t_0 (id, name) SELECT g, 'n' || g FROM generate_series(1, 1000) g")
    (folder / "migrations").mkdir()
    (folder / "migrations" / "001_extra.sql").write_text("CREATE TABLE extra (id bigint PRIMARY KEY);\n")
    invariants = "".join(
        f'\n[[invariants]]\nname = "inv-{i}"\ncheck = "SELECT id FROM t_0 WHERE id % 97 = {i} AND name IS NULL"\n'
        for i in range(10)
    )
    config = folder / "pgwarden.toml"
    config.write_text(
        f'snapshot = "snapshot.json"\n{invariants}\n[backup]\ndir = "backups"\nmax_age = "1d"\n'
    )
    run([str(BIN), "snapshot", "--db", url, "-o", str(folder / "snapshot.json")], folder)
    (folder / "pgwarden.toml").write_text(
        config.read_text().replace(
            'snapshot = "snapshot.json"', 'snapshot = "snapshot.json"\nmigrations = "migrations"'
        )
    )
    run([str(BIN), "migrate", "up", "--db", url], folder)
    run([str(BIN), "backup", "create", "--db", url], folder)
    from pgwarden.checks import Invariant, Outcome
    from pgwarden.checks.samples import record

    record(url, [Outcome(Invariant(name="inv-0", check="SELECT 1", origin="bench"))])
    per = samples // 10
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO pgwarden.invariant_samples (invariant, at, violations, lag_p95_seconds) "
            "SELECT 'inv-' || i, now() - make_interval(secs => s * 6), (s %% 5), s %% 60 "
            "FROM generate_series(0, 9) i, generate_series(1, %s) s ON CONFLICT DO NOTHING",
            (per,),
        )
        schema = (Path(__file__).parents[1] / "src/pgwarden/runtime/sql/schema.sql").read_text()
        conn.execute(schema.encode())
        conn.execute(
            "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ttl, ready) "
            "SELECT gen_random_uuid(), 'bot', 'host-' || g, g, 'standby', 'v1', 3600, true FROM generate_series(1, 200) g"
        )
        conn.execute(
            "INSERT INTO pgwarden.takeovers (name, epoch, holder, reason, at) SELECT 'bot', g, gen_random_uuid(), "
            "'lease expired', now() - make_interval(mins => 1000 - g) FROM generate_series(1, 1000) g"
        )
        conn.execute("ANALYZE")
    now = datetime.now()
    lines = [
        f"{now - timedelta(seconds=i):%Y-%m-%d %H:%M:%S},000 - app - "
        + (
            "ERROR - Conflict: terminated by other getUpdates request"
            if i % 50 == 0
            else f"INFO - handled update {i}"
        )
        for i in range(250_000, 0, -1)
    ]
    (folder / "bot.log").write_text("\n".join(lines) + "\n")
    return config


def run(command: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert done.returncode in ok, f"{command}: {done.returncode} {done.stderr[-800:]}"
    return time.perf_counter() - started


def anchor(url: str, folder: Path) -> dict[str, float]:
    commands = {
        "status": ["status", "--db", url],
        "check": ["check", "--db", url],
        "migrate status": ["migrate", "status", "--db", url],
        "backup list": ["backup", "list"],
        "doctor logs": ["doctor", "logs", "--since", "24h", "bot.log"],
    }
    return {name: run([str(BIN), *args], folder, ok=(0, 1)) for name, args in commands.items()}


def console(url: str, folder: Path, requests: int) -> dict[str, float]:
    started = time.perf_counter()
    command = [str(BIN), "console", "--db", url, "--port", "0", "--log", "bot.log", "--refresh", "10"]
    with subprocess.Popen(
        command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            address = line.split()[3]
            with httpx.Client(timeout=30) as client:
                assert client.get(address).status_code == 200
                first = time.perf_counter() - started
                while any(p["read_at"] is None for p in client.get(address + "state.json").json().values()):
                    time.sleep(0.2)
                complete = time.perf_counter() - started
                times = []
                for _ in range(requests):
                    t = time.perf_counter()
                    response = client.get(address)
                    times.append(time.perf_counter() - t)
                    assert response.status_code == 200, response.status_code
                    time.sleep(max(0.0, 0.25 - (time.perf_counter() - t)))  # under the 5/s rate limit
                size = len(response.content)
            rss = psutil.Process(proc.pid).memory_info().rss / 1e6
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    times.sort()
    return {
        "first_page_s": first,
        "all_panels_s": complete,
        "page_median_ms": statistics.median(times) * 1000,
        "page_p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "page_kb": size / 1024,
        "rss_mb": rss,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    binaries = find_binaries()
    assert binaries is not None, "no PostgreSQL binaries"
    cluster = Cluster(binaries)
    cluster.start()
    try:
        with Scratch(cluster.url, cluster=cluster) as scratch, tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url = scratch.create_database("bench_console")
            t = time.perf_counter()
            build(url, folder, args.tables, args.samples)
            print(
                f"built {args.tables} tables, {args.samples:,} samples, 200 instances in {time.perf_counter() - t:.1f} s"
            )
            os.environ.pop("PGWARDEN_CONSOLE_TOKEN", None)
            commands = anchor(url, folder)
            board = console(url, folder, args.requests)
    finally:
        cluster.stop()
    total = sum(commands.values())
    print()
    print("| what | seconds |")
    print("|---|---:|")
    for name, seconds in commands.items():
        print(f"| anchor: pgwarden {name} | {seconds:.2f} |")
    print(f"| **anchor: the five commands, one after the other** | **{total:.2f}** |")
    print(f"| console: process start to first page served | {board['first_page_s']:.2f} |")
    print(f"| console: process start to every panel read | {board['all_panels_s']:.2f} |")
    print()
    print("| console, steady | value | target |")
    print("|---|---:|---:|")
    print(f"| page load, median (client over loopback) | {board['page_median_ms']:.1f} ms | ≤ 200 ms |")
    print(f"| page load, p95 | {board['page_p95_ms']:.1f} ms | ≤ 200 ms |")
    print(f"| page size | {board['page_kb']:.0f} kB | |")
    print(f"| console RSS after {args.requests} pages | {board['rss_mb']:.1f} MB | ≤ 60 MB |")
    print()
    print(
        f"ratio first page / anchor: {board['first_page_s'] / total:.2f}; "
        f"every panel / anchor: {board['all_panels_s'] / total:.2f}; "
        f"one page load / anchor: {board['page_median_ms'] / 1000 / total:.4f}"
    )
    if args.json:
        args.json.write_text(json.dumps({"anchor": commands, "console": board}, indent=2))
    missed = board["page_p95_ms"] > 200 or board["rss_mb"] > 60
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
