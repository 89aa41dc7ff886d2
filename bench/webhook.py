"""Bench: three webhook replicas behind one URL under chaos — pgwarden's ``setup_webhook`` vs aiogram's and python-telegram-bot's own runners.

The fake Bot API (tests/fake_telegram.py) delivers N updates to a local round-robin proxy
(tests/round_robin.py) in front of three replica processes, retrying non-2xx answers and
timeouts as Telegram does, and redelivers every tenth update once more on purpose (Telegram
redelivers whenever it did not see an answer). Meanwhile the bench cycles through faults of the
active replica: ``kill -9`` (restarted a second later, as systemd would), SIGSTOP for a few
seconds then SIGCONT, and a PostgreSQL restart. Each handler appends ``update_id`` and the time
to its replica's file with one unbuffered write before it answers, so a killed replica loses no
record. Reported per side: updates handled twice (target 0), never handled (target 0), and the
time from enqueueing to handling, p50/p99, for updates enqueued during a fault (the first
``--window`` seconds after it) and outside.

Sides: ``pgwarden`` — ``pgwarden.integrations.aiogram_webhook.setup_webhook`` under a Warden per
replica, the ledger on; ``aiogram`` — ``SimpleRequestHandler`` + ``setup_application`` (its
defaults: handled in the background after answering 200), every replica setting the webhook at
startup as aiogram's examples do; ``python-telegram-bot`` — ``Application.run_webhook`` (tornado;
it sets the webhook at startup, answers 200 once the update is queued and handles queued updates
one at a time afterwards). Same load, same faults. The sides run one after another; the CPU
time (user + sys) of each side's replica processes and the load average are printed beside.

    .venv/bin/python bench/webhook.py --updates 3000 --rate 150
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_telegram import FakeTelegram  # noqa: E402
from round_robin import RoundRobin  # noqa: E402

from pgwarden.scratch import Cluster, find_binaries  # noqa: E402

TOKEN = "616161:bench-webhook-token"
SECRET = "bench-secret-token"

REPLICA = """
import asyncio, os, sys, time
from aiohttp import web
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

side, db, api, token, secret, hook_url, out, port_file, ttl, claim_timeout = sys.argv[1:]
fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

def python_telegram_bot():
    # python-telegram-bot's own runner: run_webhook (tornado) sets the webhook at startup, answers 200
    # once the update is queued, and handles it afterwards, in order (its defaults).
    import socket
    from telegram.ext import Application, MessageHandler, filters

    async def on_text(update, context):
        os.write(fd, f"{update.message.text} {time.time():.6f}\\n".encode())
        await update.message.reply_text("ok")

    app = Application.builder().token(token).base_url(api + "/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    with socket.socket() as probe:  # a free port, chosen now (run_webhook takes a number)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(port_file + ".tmp", port_file)
    app.run_webhook(
        listen="127.0.0.1", port=port, url_path="webhook", secret_token=secret, webhook_url=hook_url,
        max_connections=8,
    )

async def main():
    dp = Dispatcher()

    @dp.message(F.text)
    async def handle(message: Message) -> None:
        os.write(fd, f"{message.text} {time.time():.6f}\\n".encode())
        await message.answer("ok")

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    app = web.Application()
    if side == "pgwarden":
        from pgwarden.integrations.aiogram_webhook import WebhookSettings, setup_webhook
        from pgwarden.runtime.ledger import UpdateLedger
        from pgwarden.runtime.settings import RuntimeSettings
        from pgwarden.runtime.warden import Warden
        warden = Warden(db, RuntimeSettings(name="hook", ttl=float(ttl), check_interval=0.2))
        await warden.start()
        ledger = UpdateLedger.for_warden(warden, claim_timeout=float(claim_timeout))
        webhook = WebhookSettings(url=hook_url, secret_token=secret, max_connections=8)
        setup_webhook(app, dp, bot, warden=warden, webhook=webhook, exactly_once=ledger)
    else:
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
        SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path="/webhook")
        setup_application(app, dp, bot=bot)
        async def on_startup(bot: Bot) -> None:
            await bot.set_webhook(hook_url, secret_token=secret, max_connections=8)
        dp.startup.register(on_startup)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(runner.addresses[0][1]))
    os.replace(port_file + ".tmp", port_file)
    await asyncio.Event().wait()

if side == "python-telegram-bot":
    python_telegram_bot()
else:
    asyncio.run(main())
"""


@dataclass
class Side:
    name: str
    enqueued: dict[int, float] = field(default_factory=dict)
    handled: dict[int, list[float]] = field(default_factory=dict)
    faults: list[tuple[str, float]] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    """User + sys seconds of the side's replica processes (all of them, restarted ones included)."""
    load: tuple[float, float] = (0.0, 0.0)


class Replicas:
    def __init__(
        self, side: str, folder: Path, db: str, api: str, hook_url: str, args: argparse.Namespace
    ) -> None:
        self.side, self.folder, self.db, self.api, self.hook_url, self.args = (
            side,
            folder,
            db,
            api,
            hook_url,
            args,
        )
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.script = folder / "replica.py"
        self.script.write_text(REPLICA)

    def start(self, label: str) -> str:
        self.spawn(label)
        deadline = time.monotonic() + 120  # a loaded machine (other benchmarks) starts Python slowly
        while (url := self.url(label)) is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"replica {label} did not start; see {self.folder}/{self.side}-{label}.log")
            time.sleep(0.05)
        return url

    def spawn(self, label: str) -> None:
        port_file = self.folder / f"{self.side}-{label}.port"
        port_file.unlink(missing_ok=True)
        argv = [sys.executable, str(self.script), self.side, self.db, self.api, TOKEN, SECRET, self.hook_url]
        argv += [str(self.folder / f"{self.side}-{label}.handled"), str(port_file)]
        argv += [str(self.args.ttl), str(self.args.claim_timeout)]
        log = open(self.folder / f"{self.side}-{label}.log", "ab")  # noqa: SIM115 - handed to the child
        self.procs[label] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def url(self, label: str) -> str | None:
        """The replica's webhook URL once it listens; None while it starts (a restart does not hold up the load)."""
        port_file = self.folder / f"{self.side}-{label}.port"
        if not port_file.exists():
            if self.procs[label].poll() is not None:
                raise SystemExit(f"replica {label} did not start; see {self.folder}/{self.side}-{label}.log")
            return None
        return f"http://127.0.0.1:{port_file.read_text()}/webhook"

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGCONT)
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def handled(self) -> dict[int, list[float]]:
        found: dict[int, list[float]] = {}
        for path in self.folder.glob(f"{self.side}-*.handled"):
            for line in path.read_text().splitlines():
                text, at = line.split()
                found.setdefault(int(text[1:]), []).append(float(at))
        return found


def leader_label(db: str, replicas: Replicas) -> str:
    """The replica whose Warden holds the lease (aiogram's side has none: always the first)."""
    if replicas.side != "pgwarden":
        return "a"
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(
            "SELECT i.pid FROM pgwarden.leases l JOIN pgwarden.instances i ON i.id = l.holder "
            "WHERE l.name = 'hook' AND NOT l.released"
        ).fetchone()
    pid = int(row[0]) if row else -1
    return next((label for label, p in replicas.procs.items() if p.pid == pid), "a")


def restart(cluster: Cluster) -> None:
    pg_ctl = cluster.binaries.tool("pg_ctl")
    log = str(cluster.dir / "server.log")
    cluster._run(
        [pg_ctl, "-D", str(cluster.data), "-l", log, "-m", "fast", "-w", "restart"], what="pg_ctl restart"
    )


def run_side(side: str, cluster: Cluster, folder: Path, args: argparse.Namespace) -> Side:
    result = Side(side)
    load0, before = os.getloadavg()[0], resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        _run_side(result, cluster, folder, args)
    finally:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result.cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        result.load = (load0, os.getloadavg()[0])
    return result


def _run_side(result: Side, cluster: Cluster, folder: Path, args: argparse.Namespace) -> None:
    side = result.name
    with FakeTelegram(webhook_timeout=args.webhook_timeout, retry_delay=0.2) as fake:
        proxy = RoundRobin([], timeout=args.webhook_timeout + 1)
        fake._call(proxy.start())
        replicas = Replicas(side, folder, cluster.url, fake.url, proxy.url, args)
        labels = ("a", "b", "c")
        try:
            proxy.upstreams.extend(replicas.start(label) for label in labels)
            deadline = time.monotonic() + 30
            while fake.webhook_info(TOKEN).get("url") != proxy.url:
                if time.monotonic() > deadline:
                    raise SystemExit("no replica set the webhook")
                time.sleep(0.05)
            began = time.monotonic()
            next_fault = began + args.fault_every
            kinds = ("kill -9", "SIGSTOP", "PostgreSQL restart")
            resume: tuple[float, int] | None = None
            restart_at: tuple[float, str] | None = None
            starting: list[str] = []  # restarted replicas not listening yet
            server: threading.Thread | None = None  # pg_ctl restart runs beside the load, not in its way
            redeliver: list[tuple[float, int]] = []
            for n in range(args.updates):
                due = began + n / args.rate
                while (now := time.monotonic()) < due:
                    time.sleep(min(0.005, due - now))
                update_id = fake.add_message(TOKEN, f"u{n + 1}")
                result.enqueued[update_id] = time.time()
                if update_id % 10 == 0:
                    redeliver.append((now + 0.5, update_id))
                while redeliver and redeliver[0][0] <= now:
                    fake.redeliver(TOKEN, redeliver.pop(0)[1])
                if resume and now >= resume[0]:
                    os.killpg(resume[1], signal.SIGCONT)
                    resume = None
                if restart_at and now >= restart_at[0]:
                    replicas.spawn(restart_at[1])
                    starting.append(restart_at[1])
                    restart_at = None
                for label in [s for s in starting if replicas.url(s) is not None]:
                    proxy.upstreams[labels.index(label)] = replicas.url(label) or ""
                    starting.remove(label)
                busy = resume or restart_at or (server and server.is_alive())
                if now >= next_fault and not busy:
                    kind = kinds[len(result.faults) % 3]
                    label = leader_label(cluster.url, replicas)
                    result.faults.append((kind, time.time()))
                    if kind == "kill -9":
                        replicas.procs[label].kill()
                        replicas.procs[label].wait()
                        restart_at = (now + 1.0, label)
                        if label in starting:  # killed while it was starting: started again below
                            starting.remove(label)
                    elif kind == "SIGSTOP":
                        os.killpg(replicas.procs[label].pid, signal.SIGSTOP)
                        resume = (now + args.freeze, replicas.procs[label].pid)
                    else:
                        server = threading.Thread(target=restart, args=(cluster,))
                        server.start()
                    next_fault = time.monotonic() + args.fault_every
            for _, update_id in redeliver:
                fake.redeliver(TOKEN, update_id)
            if resume:
                os.killpg(resume[1], signal.SIGCONT)
            if restart_at:
                proxy.upstreams[labels.index(restart_at[1])] = replicas.start(restart_at[1])
            for label in starting:
                while (url := replicas.url(label)) is None:
                    time.sleep(0.05)
                proxy.upstreams[labels.index(label)] = url
            if server:
                server.join()
            settle = time.monotonic() + args.settle
            while time.monotonic() < settle and fake.webhook_info(TOKEN)["pending_update_count"] > 0:
                time.sleep(0.2)
            # Runners that answer 200 first (aiogram's and python-telegram-bot's defaults) handle their queue
            # afterwards: wait until no replica has handled anything for 3 s, so what is still queued when the
            # load ends is not counted as lost.
            count, quiet_since = -1, time.monotonic()
            while time.monotonic() < settle + args.settle and time.monotonic() - quiet_since < 3.0:
                now_count = sum(len(v) for v in replicas.handled().values())
                if now_count != count:
                    count, quiet_since = now_count, time.monotonic()
                time.sleep(0.5)
            result.wall = time.monotonic() - began
            result.handled = replicas.handled()
            info = fake.webhook_info(TOKEN)
            print(
                f"  {side}: pending after settling {info['pending_update_count']}, "
                f"last error {info.get('last_error_message')!r}",
                flush=True,
            )
        finally:
            replicas.stop()
            fake._call(proxy.close())


def pct(values: list[float], q: float) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000:.0f} ms"


def figures(side: Side, window: float) -> dict[str, str]:
    twice = sum(len(v) - 1 for v in side.handled.values() if len(v) > 1)
    lost = sum(1 for u in side.enqueued if u not in side.handled)
    during: list[float] = []
    outside: list[float] = []
    by_kind: dict[str, list[float]] = {kind: [] for kind in ("kill -9", "SIGSTOP", "PostgreSQL restart")}
    for update_id, at in side.enqueued.items():
        if update_id not in side.handled:
            continue
        took = min(side.handled[update_id]) - at
        kinds = [kind for kind, t in side.faults if 0 <= at - t < window]
        (during if kinds else outside).append(took)
        for kind in set(kinds):
            by_kind[kind].append(took)
    return {
        "handled twice": str(twice),
        "never handled": str(lost),
        "handle time outside faults p50 / p99": f"{pct(outside, 0.5)} / {pct(outside, 0.99)}",
        "handle time during faults p50 / p99": f"{pct(during, 0.5)} / {pct(during, 0.99)}",
        **{
            f"… after {kind} p50 / p99": f"{pct(times, 0.5)} / {pct(times, 0.99)}"
            for kind, times in by_kind.items()
        },
        "faults": ", ".join(
            f"{k} ×{sum(1 for f, _ in side.faults if f == k)}"
            for k in dict.fromkeys(f for f, _ in side.faults)
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=150.0, help="updates enqueued per second")
    parser.add_argument("--fault-every", type=float, default=4.0)
    parser.add_argument("--freeze", type=float, default=3.0, help="seconds a SIGSTOPped replica stays frozen")
    parser.add_argument("--window", type=float, default=5.0, help="seconds after a fault counted as 'during'")
    parser.add_argument("--ttl", type=float, default=2.0)
    parser.add_argument("--claim-timeout", type=float, default=10.0)
    parser.add_argument("--webhook-timeout", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=60.0)
    parser.add_argument("--sides", default="pgwarden,aiogram,python-telegram-bot")
    args = parser.parse_args()

    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found", file=sys.stderr)
        return 2
    cluster = Cluster(binaries)
    cluster.start()
    folder = Path(tempfile.mkdtemp(prefix="pgwarden-webhook-"))
    results: list[Side] = []
    try:
        for side in args.sides.split(","):
            print(f"running {side} ({args.updates} updates at {args.rate:g}/s) ...", flush=True)
            results.append(run_side(side, cluster, folder, args))
            print(f"  {side}: {figures(results[-1], args.window)}", flush=True)  # kept if a later side fails
    finally:
        cluster.stop()
    print(
        f"\n{args.updates} updates at {args.rate:g}/s (+ every tenth redelivered once), 3 replicas behind one "
        f"round-robin URL, a fault every {args.fault_every:g} s (SIGSTOP {args.freeze:g} s), ttl {args.ttl:g} s, "
        f"claim timeout {args.claim_timeout:g} s, webhook timeout {args.webhook_timeout:g} s, "
        f"PostgreSQL {binaries.version}; logs in {folder}\n"
    )
    table = {r.name: figures(r, args.window) for r in results}
    names = [r.name for r in results]
    print("| what | " + " | ".join(names) + " | target |")
    print("|---|" + "---|" * len(names) + "---|")
    targets = {"handled twice": "0", "never handled": "0"}
    for row in next(iter(table.values())):
        print(f"| {row} | " + " | ".join(table[n][row] for n in names) + f" | {targets.get(row, '')} |")
    print("| wall time | " + " | ".join(f"{r.wall:.0f} s" for r in results) + " | |")
    print("| replicas' CPU (user+sys) | " + " | ".join(f"{r.cpu:.0f} s" for r in results) + " | |")
    print(
        "| load average at start / end | "
        + " | ".join(f"{r.load[0]:.1f} / {r.load[1]:.1f}" for r in results)
        + " | |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
