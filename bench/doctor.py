"""Log doctor benchmark: `pgwarden doctor logs` against `grep -E -c` with the catalog's patterns, same file."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from pgwarden.doctor import signature_catalog as catalog
from pgwarden.doctor.matcher import PROBLEM_PATTERN

TARGET_RSS_MB = 200.0

# Runs a command and prints "seconds peak_rss_kb exit_code cpu_seconds" for its process tree
# (peak RSS is the largest single process; CPU is user + system over all of them).
_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # not /dev/null: grep stops at the first match there
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(elapsed, usage.ru_maxrss, p.returncode, usage.ru_utime + usage.ru_stime)
"""

_ORDINARY = (
    "{ts} - aiogram.event - INFO - Update id={n} is handled. Duration {ms} ms by bot id=7012345678",
    "{ts} - aiogram.event - INFO - Update id={n} is not handled. Duration {ms} ms by bot id=7012345678",
    "{ts} - app.handlers.start - INFO - user {uid} opened the menu",
    "{ts} - httpx - INFO - HTTP Request: POST https://api.telegram.org/bot7012345678:***/sendMessage "
    '"HTTP/1.1 200 OK"',
    "{ts} - sqlalchemy.engine.Engine - INFO - SELECT users.id, users.telegram_id, users.created_at FROM users "
    "WHERE users.telegram_id = $1::BIGINT",
    "{ts} - app.services.llm - INFO - completion {n} done in {ms} ms, 512 tokens",
    '{ts} - uvicorn.access - INFO - 172.18.0.1:{ms} - "POST /webhook HTTP/1.1" 200',
    "{ts} - app.monitor - DEBUG - heartbeat ok, queue={ms}",
)
_UNKNOWN = (
    "{ts} - app.payments - WARNING - payment {n} is pending for {ms} seconds",
    "{ts} - app.handlers.admin - ERROR - admin command failed for user {uid}: bad arguments",
    "{ts} - app.services.sheets - ERROR - sheet row {n} has no phone number\nTraceback (most recent call last):\n"
    '  File "/app/services/sheets.py", line 120, in sync\n    phone = row["phone"]\n'
    "            ~~~^^^^^^^^^\nKeyError: 'phone'",
)


def generate(path: Path, size: int, seed: int = 7) -> None:
    """About ``size`` bytes of bot logs: 99 % ordinary lines, 0.5 % unknown errors, 0.5 % incidents."""
    rng = random.Random(seed)
    incidents = [ex for sig in catalog.load() for ex in sig.examples]
    when = datetime(2026, 11, 22, 0, 0, 0)
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < size:
            lines = []
            for _ in range(20000):
                when += timedelta(milliseconds=rng.randint(1, 40))
                ts = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03d}"
                r = rng.random()
                if r < 0.005:
                    lines.append(f"{ts} - app - ERROR - {rng.choice(incidents)}")
                elif r < 0.01:
                    lines.append(
                        rng.choice(_UNKNOWN).format(
                            ts=ts,
                            n=rng.randint(1, 10**6),
                            ms=rng.randint(1, 999),
                            uid=rng.randint(10**6, 10**9),
                        )
                    )
                else:
                    lines.append(
                        rng.choice(_ORDINARY).format(
                            ts=ts,
                            n=rng.randint(1, 10**6),
                            ms=rng.randint(1, 999),
                            uid=rng.randint(10**6, 10**9),
                        )
                    )
            chunk = "\n".join(lines) + "\n"
            f.write(chunk)
            written += len(chunk.encode())


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=env)
    seconds, rss_kb, code, cpu = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024, int(code), float(cpu)


def scale(size_mb: int, factors: list[int]) -> int:
    """pgwarden alone on ``size_mb`` and on copies of it concatenated ``factor`` times: the growth curve."""
    print(
        f"doctor logs on {size_mb} MB of generated bot logs repeated 1, {', '.join(map(str, factors))} times\n"
    )
    print("| input MB | wall s | CPU s | CPU s per GB | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="pgwarden-bench-") as tmp:
        base = Path(tmp) / "base.log"
        generate(base, size_mb << 20)
        for factor in [1, *factors]:
            log = Path(tmp) / "bot.log"
            with open(log, "wb") as out:
                for _ in range(factor):
                    with open(base, "rb") as inp:
                        shutil.copyfileobj(inp, out, 1 << 24)
            mb = log.stat().st_size / (1 << 20)
            seconds, rss, code, cpu = measure(
                [sys.executable, "-m", "pgwarden", "doctor", "logs", "--format", "json", str(log)]
            )
            if code not in (0, 1):
                print(f"pgwarden exit {code}", file=sys.stderr)
                return 2
            print(f"| {mb:.0f} | {seconds:.2f} | {cpu:.2f} | {cpu / mb * 1024:.2f} | {rss:.0f} |")
            log.unlink()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024, help="Size of the generated log (default 1024).")
    parser.add_argument(
        "--keep", metavar="FILE", help="Write the log here and keep it (default: a temp dir)."
    )
    parser.add_argument(
        "--scale",
        metavar="N,N",
        help="Instead: pgwarden alone on the log and on N copies of it end to end (e.g. 10): time and RSS growth.",
    )
    args = parser.parse_args()
    if args.scale:
        return scale(args.size_mb, [int(n) for n in args.scale.split(",")])
    patterns = [p for sig in catalog.load() for p in sig.patterns] + [PROBLEM_PATTERN]
    with tempfile.TemporaryDirectory(prefix="pgwarden-bench-") as tmp:
        log = Path(args.keep) if args.keep else Path(tmp) / "bot.log"
        generate(log, args.size_mb << 20)
        size_mb = log.stat().st_size / (1 << 20)
        subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # both start from page cache
        grep_cmd = ["grep", "-E", "-c", *(x for p in patterns for x in ("-e", p)), str(log)]
        g_s, g_rss, g_code, g_cpu = measure(grep_cmd, env={**os.environ, "LC_ALL": "C"})
        pw_cmd = [sys.executable, "-m", "pgwarden", "doctor", "logs", "--format", "json", str(log)]
        p_s, p_rss, p_code, p_cpu = measure(pw_cmd)
        if g_code not in (0, 1) or p_code not in (0, 1):
            print(f"a tool failed: grep exit {g_code}, pgwarden exit {p_code}", file=sys.stderr)
            return 2
    print(f"doctor logs on {size_mb:.0f} MB of generated bot logs ({len(patterns)} patterns)\n")
    print("| tool | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|")
    print(f"| grep -E -c (LC_ALL=C) | {g_s:.2f} | {g_cpu:.2f} | {g_rss:.0f} |")
    print(f"| pgwarden doctor logs --format json | {p_s:.2f} | {p_cpu:.2f} | {p_rss:.0f} |")
    print(f"| ratio pgwarden / grep | {p_s / g_s:.2f} | {p_cpu / g_cpu:.2f} | |")
    ok = p_s <= g_s and p_rss <= TARGET_RSS_MB
    print(f"\ntarget: time <= grep's, peak RSS <= {TARGET_RSS_MB:.0f} MB: {'met' if ok else 'missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
