"""Scale curve: `pgwarden diff` and `pgwarden snapshot` as whole commands from 1,000 to 10,000 tables.

For each size, two databases are built as in bench/drift.py (11 columns, 2 indexes + primary key,
1 foreign key per table, a trigger on every tenth; B = A + 7 column changes), then these commands
run interleaved, each as a process timed from spawn to exit with its peak RSS and CPU time
(user + sys of the process tree, which a loaded machine does not inflate the way it does wall time)
and, when the server runs on this machine, the CPU time of the command's server backend:

* ``migra --unsafe A B`` and ``pgwarden diff --from B --to A --format json`` (the anchor and ours),
* ``pg_dump --schema-only A`` and ``pgwarden snapshot --db A`` (likewise).

Median and range of ``--repeat`` runs after one warm-up; the load average is printed with every
size. ``--baseline SRC`` also runs pgwarden from another checkout's ``src`` (e.g. an export of main),
interleaved, for a before/after in one run. Growth is judged per table: time and RSS at the largest
size over those at the smallest, against the ratio of table counts (linear or better passes).

    .venv/bin/python bench/scale.py                            # 1000,2000,5000,10000; 3 runs
    .venv/bin/python bench/scale.py --sizes 2000 --repeat 7 --baseline /tmp/main-src/src
    .venv/bin/python bench/scale.py --skip migra --server postgresql://postgres@localhost:5432/postgres

Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cli as cli_bench  # noqa: E402  (bench/cli.py: whole-process timing, the same in every bench)
import drift  # noqa: E402  (bench/drift.py: the two N-table databases)
from cli import Command, Figure, Run  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_SIZES = (1000, 2000, 5000, 10000)

SERVER_CPU: Callable[[], float] | None = None
"""CPU seconds the server's backends have used so far, when the server runs on this machine."""


def server_cpu_reader(server_url: str) -> Callable[[], float] | None:
    """The postmaster's reaped children's CPU time (each command's backend ends with its connection,
    and its CPU time lands there), read from /proc; None when the server is not local or not ours."""
    import psycopg

    try:
        with psycopg.connect(server_url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_catalog.current_setting('data_directory')").fetchone()
        pid = int((Path(row[0]) / "postmaster.pid").read_text().split()[0]) if row else 0
        stat = Path(f"/proc/{pid}/stat")
        stat.read_text()
    except (psycopg.Error, OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        # A command's backend exits after its client does, and its CPU time reaches cutime only
        # once the postmaster has reaped it: wait until the postmaster is back to the children
        # it had when the reading before the command was taken (or 5 s), else a loaded machine
        # books one command's server time to the next.
        deadline = time.monotonic() + 5.0
        while _children(pid) > children[0] and time.monotonic() < deadline:
            time.sleep(0.02)
        children[0] = _children(pid)
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / ticks  # cutime + cstime

    children = [_children(pid)]
    return read


def _children(pid: int) -> int:
    """How many processes have ``pid`` as parent, zombies not yet reaped included."""
    count = 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    count += 1
            except (OSError, ValueError, IndexError):
                continue
    return count


def measure(cmd: Command) -> Run:
    """``bench/cli.py``'s whole-process timing, plus the server CPU the command caused."""
    before = SERVER_CPU() if SERVER_CPU else None
    run = cli_bench.measure(cmd, None)
    server = SERVER_CPU() - before if SERVER_CPU and before is not None else None
    return dataclasses.replace(run, server_cpu=server)


def interleaved(commands: Sequence[Command], repeat: int) -> dict[str, Figure]:
    for cmd in commands:  # warm-up: bytecode, page cache, the server's own caches
        measure(cmd)
    runs: dict[str, list[Run]] = {c.label: [] for c in commands}
    for _ in range(repeat):
        for cmd in commands:
            runs[cmd.label].append(measure(cmd))
    return {label: Figure(r) for label, r in runs.items()}


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def commands_for(pair: drift.Pair, out: Path, skip: set[str], baseline: Path | None) -> list[Command]:
    pgwarden = str(BIN / "pgwarden")
    ours = [
        Command(
            "pgwarden diff --format json",
            [pgwarden, "diff", "--from", pair.url_b, "--to", pair.url_a, "--format", "json"],
            ok_codes=(0, 1),
        ),
        Command(
            "pgwarden snapshot",
            [pgwarden, "snapshot", "--db", pair.url_a, "-o", str(out / "snap.json")],
            ok_codes=(0,),
        ),
    ]
    commands: list[Command] = []
    if "migra" not in skip:
        commands.append(
            Command(
                "migra --unsafe", [str(BIN / "migra"), "--unsafe", pair.url_a, pair.url_b], ok_codes=(0, 2)
            )
        )
    commands.append(ours[0])
    if "pg_dump" not in skip:
        commands.append(
            Command(
                "pg_dump --schema-only",
                [_pg_dump(), "--schema-only", "-f", str(out / "dump.sql"), "-d", pair.url_a],
                ok_codes=(0,),
            )
        )
    commands.append(ours[1])
    if baseline is not None:
        commands += [
            Command(f"{c.label} [baseline]", c.argv, ok_codes=c.ok_codes, env={"PYTHONPATH": str(baseline)})
            for c in ours
        ]
    return commands


def _pg_dump() -> str:
    from pgwarden.pgbin import find_binaries

    binaries = find_binaries()
    if binaries is None:
        raise SystemExit("no PostgreSQL binaries found for pg_dump")
    return binaries.tool("pg_dump")


ANCHOR = {"pgwarden diff --format json": "migra --unsafe", "pgwarden snapshot": "pg_dump --schema-only"}


def print_size(n: int, figures: dict[str, Figure]) -> None:
    print(f"\n### {n} tables ({n * 11} columns), {load_average()}\n")
    print(
        "| command | wall s (median, range) | CPU s | server CPU s | peak RSS MB | anchor / pgwarden (wall, CPU, CPU + server) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, f in figures.items():
        ratio = ""
        base = ANCHOR.get(label.removesuffix(" [baseline]"))
        if base in figures:
            b = figures[base]
            ratio = f"{b.median / f.median:.1f}× / {b.cpu / f.cpu:.1f}×"
            if b.server_cpu is not None and f.server_cpu is not None:
                ratio += f" / {(b.cpu + b.server_cpu) / (f.cpu + f.server_cpu):.1f}×"
        server = f"{f.server_cpu:.3f}" if f.server_cpu is not None else "-"
        print(f"| {label} | {f.median:.3f} ({f.spread}) | {f.cpu:.3f} | {server} | {f.rss:.1f} | {ratio} |")


def print_curve(results: dict[int, dict[str, Figure]]) -> list[tuple[str, bool]]:
    sizes = sorted(results)
    labels = list(results[sizes[0]])
    print("\n### curve: wall s / CPU s / peak RSS MB per size\n")
    print("| command | " + " | ".join(f"{n}" for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for label in labels:
        cells = [
            f"{results[n][label].median:.2f} / {results[n][label].cpu:.2f} / {results[n][label].rss:.0f}"
            for n in sizes
            if label in results[n]
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    verdicts: list[tuple[str, bool]] = []
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        growth = big / small
        for label in ("pgwarden diff --format json", "pgwarden snapshot"):
            a, b = results[small].get(label), results[big].get(label)
            if a is None or b is None:
                continue
            cpu_growth = b.cpu / a.cpu
            # RSS has a fixed part (interpreter, libraries): judge the part that grows with size.
            rss_growth = b.rss / a.rss
            verdicts.append(
                (
                    f"{label}: CPU ×{cpu_growth:.1f} for ×{growth:.0f} tables (linear or better)",
                    cpu_growth <= growth,
                )
            )
            verdicts.append(
                (
                    f"{label}: peak RSS ×{rss_growth:.1f} for ×{growth:.0f} tables (linear or better)",
                    rss_growth <= growth,
                )
            )
    for n in sizes:
        f = results[n]
        for label, anchor in ANCHOR.items():
            if label in f and anchor in f:
                if anchor == "migra --unsafe":
                    speedup = f[anchor].median / f[label].median
                    verdicts.append(
                        (f"{n} tables: diff ≥ 10× faster than migra ({speedup:.1f}× wall)", speedup >= 10)
                    )
                else:
                    ratio = f[label].median / f[anchor].median
                    verdicts.append((f"{n} tables: snapshot ≤ pg_dump ({ratio:.2f}× its wall)", ratio <= 1))
    return verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated table counts"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command and size (median and range)")
    parser.add_argument("--skip", default="", help="anchors not to run: migra, pg_dump (comma-separated)")
    parser.add_argument("--baseline", type=Path, metavar="SRC", help="also run pgwarden from this src folder")
    parser.add_argument("--server", metavar="URL", help="build on this server instead of a scratch cluster")
    args = parser.parse_args(argv)
    try:
        sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not sizes or sizes[0] < 10 or args.repeat < 1:
        parser.error("--sizes needs table counts of at least 10 and --repeat at least 1")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - {"migra", "pg_dump"}:
        parser.error("--skip takes migra and/or pg_dump")
    baseline = args.baseline.resolve() if args.baseline else None
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {drift._versions()}")
    results: dict[int, dict[str, Figure]] = {}
    with (
        drift.server(args.server) as (server_url, what),
        tempfile.TemporaryDirectory(prefix="pgwarden-scale-") as tmp,
    ):
        print(f"server: {what}")
        global SERVER_CPU
        SERVER_CPU = server_cpu_reader(server_url)
        print(
            "server CPU: "
            + ("measured (postmaster's reaped backends)" if SERVER_CPU else "not measured (not local)")
        )
        for n in sizes:
            pair = drift.build_pair(server_url, n)
            print(f"\nbuilt {n} tables twice in {pair.build_seconds:.0f} s", flush=True)
            try:
                results[n] = interleaved(commands_for(pair, Path(tmp), skip, baseline), args.repeat)
            finally:
                drift.drop_pair(server_url, pair)
            print_size(n, results[n])
            sys.stdout.flush()
    verdicts = print_curve(results)
    print("\n### targets\n")
    for text, ok in verdicts:
        print(f"- {'PASS' if ok else 'MISS'} {text}")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
