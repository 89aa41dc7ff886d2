"""Bench: the per-update cost of ``exactly_once=True`` for a polling bot — pgwarden's ``run_polling`` with and without.

Each run is a whole process: one aiogram bot under a real Warden on a throwaway PostgreSQL (Unix
socket, the bench's own server) drains N queued updates from the fake Bot API
(tests/fake_telegram.py, in the bench's own process), handlers inline (``handle_as_tasks=False``,
so the cost is not hidden by concurrency). Runs alternate: plain, exactly-once, plain, ... .
Per side, best of the runs: the drain's wall time and CPU time (user + sys of the bot process,
from the first getUpdates until the N-th update is handled and, exactly-once, recorded as done),
the PostgreSQL server's CPU over the whole run (postmaster and its reaped backends), and the
whole process's wall and CPU time (start-up and Warden included). The cost of exactly-once is
the difference per update, and its ratio to the plain runner's own cost per update.

    .venv/bin/python bench/exactly_once.py --updates 2000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pgwarden.scratch import Cluster, find_binaries  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")
CHILD_PREFIX = os.environ.get("BENCH_CHILD_PREFIX", "").split()


async def child(url: str, api: str, token: str, n: int, exactly_once: bool) -> dict[str, float]:
    """One bot process: drain ``n`` updates, then report the drain's wall and CPU seconds."""
    import psycopg
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    from pgwarden.integrations.aiogram import run_polling
    from pgwarden.runtime.ledger import UpdateLedger
    from pgwarden.runtime.settings import RuntimeSettings
    from pgwarden.runtime.warden import Warden

    seen = 0
    finished = asyncio.Event()
    dp = Dispatcher()

    @dp.message(F.text)
    async def handle(message: Message) -> None:
        nonlocal seen
        seen += 1
        if seen == n:
            finished.set()

    async with Warden(url, RuntimeSettings(name="bench", ttl=10)) as warden:
        await warden.wait_active()
        # Every run's bot numbers its updates from 1 and the ledger is keyed by lease name and update_id.
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute("DELETE FROM pgwarden.updates WHERE name = 'bench'")
        ledger = UpdateLedger.for_warden(warden) if exactly_once else None
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
        cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        task = asyncio.create_task(
            run_polling(
                dp, bot, warden=warden, polling_timeout=1, handle_as_tasks=False, exactly_once=ledger or False
            )
        )
        await finished.wait()
        if ledger is not None and hasattr(ledger, "flush"):  # (an older pgwarden recorded each one at once)
            await ledger.flush()  # the done records are part of the cost
        wall, cpu1 = time.perf_counter() - wall0, resource.getrusage(resource.RUSAGE_SELF)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if ledger is not None:
            await ledger.close()
    return {"wall": wall, "cpu": cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime}


def server_cpu(cluster: Cluster) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster, its reaped children, its live ones."""
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / CLK


@dataclass
class Run:
    wall: float
    cpu: float
    drain_wall: float
    drain_cpu: float
    server_cpu: float


def one_run(cluster: Cluster, api: str, token: str, n: int, exactly_once: bool) -> Run:
    before = server_cpu(cluster)
    began = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            *CHILD_PREFIX,
            __file__,
            "--child",
            cluster.url,
            api,
            token,
            str(n),
            str(int(exactly_once)),
        ],
        stdout=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read() if proc.stdout else b""
    if proc.returncode != 0:
        raise SystemExit(f"a bench run failed (exit {proc.returncode})")
    time.sleep(0.3)  # the backends of the child's connections exit and are reaped
    drain = json.loads(out.decode().strip().splitlines()[-1])
    return Run(
        wall, usage.ru_utime + usage.ru_stime, drain["wall"], drain["cpu"], server_cpu(cluster) - before
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, api, token, n, once = args.child
        print(json.dumps(asyncio.run(child(url, api, token, int(n), once == "1"))))
        return 0
    from fake_telegram import FakeTelegram

    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found", file=sys.stderr)
        return 2
    cluster = Cluster(binaries)
    cluster.start()
    runs: dict[bool, list[Run]] = {False: [], True: []}
    loads = [os.getloadavg()[0]]
    try:
        with FakeTelegram() as fake:
            for r in range(args.runs):
                for side in (False, True):
                    token = f"{700000 + r * 2 + side}:bench-{uuid.uuid4().hex[:8]}"
                    for i in range(args.updates):
                        fake.add_message(token, f"u{i}")
                    runs[side].append(one_run(cluster, fake.url, token, args.updates, side))
                    loads.append(os.getloadavg()[0])
    finally:
        cluster.stop()
    n = args.updates

    def best(side: bool, what: str) -> float:
        return min(getattr(run, what) for run in runs[side])

    def ms(seconds: float) -> str:
        return f"{seconds / n * 1000:.3f} ms"

    print(
        f"\naiogram run_polling under a Warden, {n} queued updates, handlers inline, {args.runs} runs per "
        f"side alternating, best of each; PostgreSQL {binaries.version} on a local Unix socket; "
        f"load average (1 min) {min(loads):.1f}-{max(loads):.1f} (median {statistics.median(loads):.1f}), "
        f"{os.cpu_count()} cores\n"
    )
    print("| per update | exactly_once=False | exactly_once=True | added | added / plain |")
    print("|---|---:|---:|---:|---:|")
    rows = [
        ("drain wall time", "drain_wall"),
        ("drain CPU, bot process (user+sys)", "drain_cpu"),
        ("PostgreSQL server CPU", "server_cpu"),
        ("whole process wall time", "wall"),
        ("whole process CPU (user+sys)", "cpu"),
    ]
    for label, what in rows:
        plain, once = best(False, what), best(True, what)
        print(f"| {label} | {ms(plain)} | {ms(once)} | {ms(once - plain)} | {(once - plain) / plain:.2f}× |")
    plain_rate, once_rate = n / best(False, "drain_wall"), n / best(True, "drain_wall")
    print(
        f"| updates per second (drain) | {plain_rate:.0f} | {once_rate:.0f} | – | {once_rate / plain_rate:.2f}× of plain |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
