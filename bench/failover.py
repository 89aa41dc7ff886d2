"""Benchmark: failover of ``pgwarden run`` under chaos (kill -9, SIGSTOP, PostgreSQL restarts), 3 instances.

Each instance supervises a child that, while active, writes ``(epoch, instance, time)`` every 20 ms
with a fenced insert (``pgwarden.holds_epoch``), recording whether the fence accepted it. Reported:

- overlaps: accepted rows of an epoch written after the first accepted row of a newer one (target 0);
- stale attempts: writes tried by a child whose instance no longer held the lease (a frozen
  instance's child resuming for a moment before its supervisor kills it); the fence refused them;
- failover time, kill to the first accepted write of the new epoch (child start-up included),
  median and p99 per fault: crash (kill -9) ≤ 1 s median, hang (SIGSTOP) ≤ ttl + 2 s;
- guardian overhead of one idle supervisor with the default settings (ttl 10 s, checks every 1 s):
  CPU % of a core and RSS;
- duplicate updates handled (target 0): the child is also a polling aiogram bot on the fake Bot API
  (tests/fake_telegram.py) with ``run_polling(..., warden=Supervised.from_env(), exactly_once=True)``
  and inline handlers that work ``--handler-ms`` before recording their update,
  so every update is claimed in pgwarden's ledger under the child's epoch; the bench feeds updates
  throughout the trials and each handler records its update with an INSERT made in the ledger's
  transaction for that update (``pgwarden_tx``: the row and the done record commit together;
  ``--no-transaction``: autocommitted, the done record batched after it, the old window). Counted: updates recorded more than once
  (across takeovers, hangs and restarts), and updates never recorded once the fleet has drained.

The anchors are fixed reference figures, not measured here: Patroni's default failover (~30 s,
ttl 30 s) and a Kubernetes Lease-based leader election (~15 s, leaseDuration 15 s).

    .venv/bin/python bench/failover.py --trials 200
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_telegram import FakeTelegram  # noqa: E402

from pgwarden.scratch import Cluster, find_binaries  # noqa: E402

TOKEN = "4242:failover-bench"

CHILD = """
import os, sys, threading, time, psycopg
url, label, api = sys.argv[1], sys.argv[2], sys.argv[3]
name, epoch = os.environ["PGWARDEN_NAME"], int(os.environ["PGWARDEN_EPOCH"])

first_write = threading.Event()

def write_fenced():
    while True:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                while True:
                    conn.execute(
                        "INSERT INTO work_log (epoch, instance, at, accepted) "
                        "SELECT %s, %s, clock_timestamp(), pgwarden.holds_epoch(%s, %s)",
                        (epoch, label, name, epoch),
                    )
                    first_write.set()
                    time.sleep(0.02)
        except psycopg.OperationalError:
            time.sleep(0.05)

# The first write before the bot's imports (which hold the GIL for a while): failover time is the
# lease's, not aiogram's start-up.
threading.Thread(target=write_fenced, daemon=True).start()
first_write.wait(10)

import asyncio, logging
logging.basicConfig(level=logging.WARNING, format=f"child {label}: %(levelname)s %(name)s %(message)s")
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from pgwarden.integrations.aiogram import run_polling
from pgwarden.integrations.supervised import Supervised

async def main():
    dp = Dispatcher()
    db = None
    work = float(os.environ["BENCH_HANDLER_MS"]) / 1000

    in_tx = os.environ["BENCH_TRANSACTION"] == "1"

    @dp.message(F.text)
    async def handle(message: Message, **data) -> None:
        nonlocal db
        await asyncio.sleep(work)  # the handler's own work (an API call, a query) before its effect
        if in_tx and "pgwarden_tx" in data:
            # The row and the update's done record commit together; a kill, a freeze or a restart before
            # COMMIT leaves neither, and the update is retaken and handled once.
            async with data["pgwarden_tx"] as conn:
                await conn.execute(
                    "INSERT INTO handled (text, epoch, instance, at) VALUES (%s, %s, %s, clock_timestamp())",
                    (message.text, epoch, label),
                )
            return
        for _ in range(200):  # a PostgreSQL restart: the bot reconnects, as bots do
            try:
                if db is None or db.closed:
                    db = await psycopg.AsyncConnection.connect(url, autocommit=True)
                await db.execute(
                    "INSERT INTO handled (text, epoch, instance, at) VALUES (%s, %s, %s, clock_timestamp())",
                    (message.text, epoch, label),
                )
                return
            except psycopg.OperationalError:
                db = None
                await asyncio.sleep(0.05)

    bot = Bot(os.environ["BENCH_BOT_TOKEN"], session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    once = os.environ["BENCH_EXACTLY_ONCE"] == "1"
    # Inline handlers: a batch is confirmed by the next getUpdates only after all of it was handled, so
    # a kill -9 mid-batch leaves handled updates unconfirmed, and Telegram gives them to the successor.
    await run_polling(
        dp, bot, warden=Supervised.from_env(), exactly_once=once, polling_timeout=2, handle_as_tasks=False
    )

asyncio.run(main())
"""

PATRONI_DEFAULT_FAILOVER = 30.0
K8S_LEASE_FAILOVER = 15.0


class Fleet:
    def __init__(
        self,
        url: str,
        folder: Path,
        *,
        ttl: float,
        interval: float,
        api: str,
        exactly_once: bool,
        handler_ms: float,
        transaction: bool,
    ) -> None:
        self.url = url
        self.transaction = transaction
        self.handler_ms = handler_ms
        self.api = api
        self.exactly_once = exactly_once
        self.folder = folder
        self.ttl = ttl
        self.interval = interval
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.script = folder / "child.py"
        self.script.write_text(CHILD)

    def start(self, label: str) -> None:
        argv = [sys.executable, "-m", "pgwarden", "run", "--db", self.url, "--name", "chaos"]
        argv += ["--ttl", str(self.ttl), "--check-interval", str(self.interval), "--grace", "1"]
        argv += ["--", sys.executable, str(self.script), self.url, label, self.api]
        log = open(self.folder / f"{label}.log", "ab")  # noqa: SIM115 - handed to the child
        env = {
            **os.environ,
            "BENCH_BOT_TOKEN": TOKEN,
            "BENCH_EXACTLY_ONCE": "1" if self.exactly_once else "0",
            "BENCH_HANDLER_MS": str(self.handler_ms),
            "BENCH_TRANSACTION": "1" if self.transaction else "0",
        }
        self.procs[label] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        log.close()

    def children(self, label: str) -> list[psutil.Process]:
        try:
            return psutil.Process(self.procs[label].pid).children()
        except psutil.NoSuchProcess:
            return []

    def live_children(self) -> int:
        count = 0
        for label in self.procs:
            for child in self.children(label):
                try:
                    if child.status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_STOPPED):
                        count += 1
                except psutil.NoSuchProcess:
                    pass
        return count

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                for sig in (signal.SIGCONT, signal.SIGTERM):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, sig)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


class Db:
    """The bench's own connection, reconnecting across PostgreSQL restarts."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: psycopg.Connection | None = None

    def execute(self, query: str, params: tuple[object, ...] = ()) -> psycopg.Cursor:
        for _ in range(200):
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = psycopg.connect(self.url, autocommit=True)
                return self.conn.execute(query.encode(), params)
            except psycopg.OperationalError:
                self.conn = None
                time.sleep(0.05)
        raise RuntimeError("the bench lost the database")


def newest(conn: Db) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT epoch, instance FROM work_log WHERE accepted ORDER BY at DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def wait_new_epoch(conn: Db, epoch: int, timeout: float) -> float | None:
    """Wall time of the first accepted write of an epoch above ``epoch``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        row = conn.execute(
            "SELECT extract(epoch FROM min(at)) FROM work_log WHERE accepted AND epoch > %s", (epoch,)
        ).fetchone()
        if row and row[0] is not None:
            return float(row[0])
        time.sleep(0.02)
    return None


class Feeder:
    """Adds a message update to the fake Bot API every 1/rate seconds, in a thread, until stopped."""

    def __init__(self, fake: FakeTelegram, rate: float) -> None:
        self.fake = fake
        self.rate = rate
        self.sent: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(1.0 / self.rate):
            text = f"u{len(self.sent)}"
            self.fake.add_message(TOKEN, text)
            self.sent.append(text)


def drained(conn: Db, sent: list[str], *, quiet: float, cap: float) -> tuple[int, int]:
    """Updates handled more than once, and never handled: once every sent update was handled, or no
    new one was for ``quiet`` seconds (a backlog still draining is not a loss), or after ``cap``."""
    started = last_progress = time.monotonic()
    before = -1
    while True:
        rows = conn.execute("SELECT text, count(*) FROM handled GROUP BY text").fetchall()
        seen = {str(text): int(n) for text, n in rows}
        lost = sum(1 for text in sent if text not in seen)
        now = time.monotonic()
        if len(seen) != before:
            before, last_progress = len(seen), now
        if lost == 0 or now - last_progress > quiet or now - started > cap:
            return sum(1 for n in seen.values() if n > 1), lost
        time.sleep(0.5)


def wait_handling(conn: Db, epoch: int, timeout: float) -> bool:
    """Whether the child of ``epoch`` handled an update within ``timeout``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if conn.execute("SELECT FROM handled WHERE epoch = %s LIMIT 1", (epoch,)).fetchone() is not None:
            return True
        time.sleep(0.05)
    return False


def wait_accepted_after(conn: Db, after: float, timeout: float) -> float | None:
    """Wall time of the first accepted write (any epoch) after ``after``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        row = conn.execute(
            "SELECT extract(epoch FROM min(at)) FROM work_log WHERE accepted AND at > to_timestamp(%s)",
            (after,),
        ).fetchone()
        if row and row[0] is not None:
            return float(row[0])
        time.sleep(0.02)
    return None


def restart(cluster: Cluster) -> None:
    cluster._run(
        [
            cluster.binaries.tool("pg_ctl"),
            "-D",
            str(cluster.data),
            "-l",
            str(cluster.dir / "server.log"),
            "-m",
            "fast",
            "-w",
            "restart",
        ],
        what="pg_ctl restart",
    )


def idle_overhead(url: str, seconds: float) -> tuple[float, float, float]:
    """CPU % of one core, RSS and USS (MB) of an idle active supervisor with the default settings.

    RSS counts the shared libraries too (libpq, OpenSSL: about 20 MB before any pgwarden code);
    USS is the memory the process alone owns.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "run", "--db", url, "--name", "idle", "--", "sleep", "3600"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        p = psutil.Process(proc.pid)
        time.sleep(5.0)  # start-up: imports, schema, first registration
        before = p.cpu_times()
        started = time.monotonic()
        time.sleep(seconds)
        after = p.cpu_times()
        wall = time.monotonic() - started
        cpu = (after.user + after.system - before.user - before.system) / wall * 100
        memory = p.memory_full_info()
        return cpu, memory.rss / 1024 / 1024, memory.uss / 1024 / 1024
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--ttl", type=float, default=2.0)
    parser.add_argument("--check-interval", type=float, default=0.2)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument(
        "--exactly-once",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="The children's run_polling(exactly_once=...): --no-exactly-once is the anchor without the ledger.",
    )
    parser.add_argument(
        "--transaction",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="With exactly_once, the handler's INSERT in the ledger's transaction for its update "
        "(pgwarden_tx); --no-transaction: an autocommit INSERT, the done record batched after it.",
    )
    parser.add_argument(
        "--handler-ms",
        type=float,
        default=30.0,
        help="Milliseconds each update's handler works before its effect.",
    )
    parser.add_argument(
        "--update-rate", type=float, default=10.0, help="Telegram updates per second fed during the trials."
    )
    parser.add_argument(
        "--budget", type=float, default=None, help="Stop starting trials after this many seconds."
    )
    args = parser.parse_args()

    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found", file=sys.stderr)
        return 2
    cluster = Cluster(binaries)
    cluster.start()
    fake = FakeTelegram()
    fake.start()
    feeder = Feeder(fake, args.update_rate)
    folder = Path(tempfile.mkdtemp(prefix="pgwarden-failover-"))
    fleet = Fleet(
        cluster.url,
        folder,
        ttl=args.ttl,
        interval=args.check_interval,
        api=fake.url,
        exactly_once=args.exactly_once,
        handler_ms=args.handler_ms,
        transaction=args.transaction,
    )
    times: dict[str, list[float]] = {"crash": [], "hang": [], "restart": []}
    missed = 0
    double = {"crash": 0, "hang": 0, "restart": 0}
    began = time.monotonic()
    done = 0
    try:
        cpu, rss, uss = idle_overhead(cluster.url, args.idle_seconds)
        conn = Db(cluster.url)
        if True:
            conn.execute(
                "CREATE TABLE work_log (epoch bigint, instance text, at timestamptz, accepted boolean)"
            )
            conn.execute("CREATE TABLE handled (text text, epoch bigint, instance text, at timestamptz)")
            feeder.start()
            for label in ("a", "b", "c"):
                fleet.start(label)
            if wait_new_epoch(conn, 0, 30) is None:
                raise SystemExit(f"no instance became active; see the logs in {folder}")
            for trial in range(args.trials):
                if args.budget and time.monotonic() - began > args.budget:
                    break
                fault = ("crash", "hang", "restart")[trial % 3]
                time.sleep(0.3)
                current = newest(conn)
                assert current is not None
                epoch, leader = current
                # Fault a bot that is polling: its aiogram start-up can take seconds on a loaded box.
                polling = wait_handling(conn, epoch, args.ttl + 30)
                current = newest(conn)
                assert current is not None
                if not polling or current[0] != epoch:
                    continue

                t0 = time.time()
                stopped: list[int] = []
                if fault == "crash":
                    fleet.procs[leader].kill()
                elif fault == "hang":
                    stopped = [fleet.procs[leader].pid] + [c.pid for c in fleet.children(leader)]
                    for pid in stopped:
                        os.killpg(pid, signal.SIGSTOP)
                else:
                    restart(cluster)
                if (
                    fault == "restart"
                ):  # the leader keeps its epoch through a restart: its next accepted write
                    first = wait_accepted_after(conn, time.time(), args.ttl + 20)
                else:
                    first = wait_new_epoch(conn, epoch, args.ttl + 20)
                if first is None:
                    missed += 1
                else:
                    times[fault].append(max(0.0, first - t0))
                if fault == "crash":
                    fleet.procs[leader].wait()
                    fleet.start(leader)  # what systemd's Restart= would do
                for pid in reversed(stopped):
                    os.killpg(pid, signal.SIGCONT)
                settle = time.monotonic() + 1.0
                while time.monotonic() < settle:
                    if fleet.live_children() > 1:
                        double[fault] += 1
                        break
                    time.sleep(0.05)
                done += 1
            overlaps = conn.execute(
                "SELECT count(*) FROM work_log a WHERE a.accepted AND EXISTS "
                "(SELECT FROM work_log b WHERE b.accepted AND b.epoch > a.epoch AND b.at < a.at)"
            ).fetchone()[0]
            stale = conn.execute("SELECT count(*) FROM work_log WHERE NOT accepted").fetchone()[0]
            feeder.stop()
            duplicates, lost = drained(conn, feeder.sent, quiet=60.0, cap=300.0)
            pending = fake.unconfirmed(TOKEN)
    finally:
        feeder.stop()
        fleet.stop()
        fake.close()
        cluster.stop()
    wall = time.monotonic() - began

    def fig(fault: str, q: float) -> str:
        return f"{pct(times[fault], q):.2f} s" if times[fault] else "n/a"

    def ratio(fault: str, anchor: float) -> str:
        return f"{anchor / statistics.median(times[fault]):.0f}× faster" if times[fault] else "n/a"

    print(
        f"\n{done} trials in {wall:.0f} s (ttl {args.ttl:g} s, checks every {args.check_interval:g} s, "
        f"3 instances, PostgreSQL {binaries.version}); crash {len(times['crash'])}, hang {len(times['hang'])}, "
        f"restart {len(times['restart'])}; {missed} without a new leader in time\n"
    )
    print("| what | pgwarden | anchor (fixed reference) | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| overlaps of two accepted writers | {overlaps} | – | – | 0 |")
    shown = ", ".join(f"{k} {v}" for k, v in double.items())
    print(f"| trials with two live children seen (sampled every 50 ms) | {shown} | – | – | 0 |")
    print(
        f"| duplicate updates handled (polling, exactly_once={args.exactly_once}, "
        f"{'effect in the ledger transaction' if args.exactly_once and args.transaction else 'effect autocommitted'}; "
        f"{len(feeder.sent)} updates at "
        f"{args.update_rate:g}/s, inline handlers of {args.handler_ms:g} ms, through every fault) | {duplicates} | – | – | 0 |"
    )
    print(
        f"| updates never handled (drained until 60 s without progress; still queued at the fake: {pending}) "
        f"| {lost} | – | – | 0 |"
    )
    print(f"| stale attempts refused by the fence | {stale} | – | – | (reported) |")
    for fault, target in (("crash", "≤ 1 s median"), ("hang", f"≤ ttl + 2 s = {args.ttl + 2:g} s")):
        print(
            f"| failover, {fault}: median / p99 | {fig(fault, 0.5)} / {fig(fault, 0.99)} | "
            f"Patroni default ~{PATRONI_DEFAULT_FAILOVER:.0f} s; Kubernetes lease ~{K8S_LEASE_FAILOVER:.0f} s | "
            f"{ratio(fault, PATRONI_DEFAULT_FAILOVER)} than Patroni | {target} |"
        )
    print(
        f"| recovery after a PostgreSQL restart: median / p99 | {fig('restart', 0.5)} / {fig('restart', 0.99)} | – | – | – |"
    )
    print(f"| guardian idle CPU (one core, ttl 10 s, 1 s checks) | {cpu:.2f} % | – | – | ≤ 0.5 % |")
    print(f"| guardian RSS (USS: owned alone) | {rss:.1f} MB ({uss:.1f} MB) | – | – | ≤ 40 MB |")
    crash_ok = bool(times["crash"]) and statistics.median(times["crash"]) <= 1.0
    hang_ok = bool(times["hang"]) and statistics.median(times["hang"]) <= args.ttl + 2
    ok = overlaps == 0 and crash_ok and hang_ok and cpu <= 0.5 and rss <= 40 and missed == 0
    ok = ok and duplicates == 0 and lost == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
