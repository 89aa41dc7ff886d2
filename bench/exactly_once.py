"""Bench: the per-update cost of ``exactly_once=True`` for a polling bot — pgwarden's ``run_polling`` with and without.

One aiogram bot under a real Warden on a throwaway PostgreSQL (Unix socket, the bench's own
server) drains N queued updates from the fake Bot API (tests/fake_telegram.py), handlers run
inline (``handle_as_tasks=False``, so the cost is not hidden by concurrency); best of three runs
per side, alternating. Printed: updates per second each way, the cost per update (difference of
the per-update times) and, for reference, the ledger's own claim + done round trips, p50/p99.

    .venv/bin/python bench/exactly_once.py --updates 2000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from aiogram import Bot, Dispatcher, F  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402

from pgwarden.integrations.aiogram import run_polling  # noqa: E402
from pgwarden.runtime.ledger import UpdateLedger  # noqa: E402
from pgwarden.runtime.settings import RuntimeSettings  # noqa: E402
from pgwarden.runtime.warden import Warden  # noqa: E402
from pgwarden.scratch import Cluster, find_binaries  # noqa: E402


async def drain(fake: FakeTelegram, warden: Warden, token: str, n: int, exactly_once: bool) -> float:
    seen: list[int] = []
    dp = Dispatcher()

    @dp.message(F.text)
    async def handle(message: Message) -> None:
        seen.append(message.message_id)

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
    # Every run's bot numbers its updates from 1 and the ledger is keyed by lease name and update_id
    # (one bot per lease name): a previous run's claims would refuse this run's updates.
    async with await psycopg.AsyncConnection.connect(warden.url, autocommit=True) as conn:
        await conn.execute("DELETE FROM pgwarden.updates WHERE name = %s", (warden.settings.name,))
    for i in range(n):
        fake.add_message(token, f"u{i}")
    began = time.perf_counter()
    task = asyncio.create_task(
        run_polling(
            dp, bot, warden=warden, polling_timeout=1, handle_as_tasks=False, exactly_once=exactly_once
        )
    )
    while len(seen) < n:
        await asyncio.sleep(0.002)
    took = time.perf_counter() - began
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return n / took


async def ledger_round_trips(url: str, n: int) -> list[float]:
    ledger = UpdateLedger(url, "bench-raw", uuid.uuid4())
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        await ledger.claim(i)
        await ledger.done(i)
        times.append(time.perf_counter() - t0)
    await ledger.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found", file=sys.stderr)
        return 2
    cluster = Cluster(binaries)
    cluster.start()

    async def run() -> tuple[float, float, list[float]]:
        best = {False: 0.0, True: 0.0}
        async with Warden(cluster.url, RuntimeSettings(name="bench", ttl=10)) as warden:
            await warden.wait_active()
            with FakeTelegram() as fake:
                for r in range(args.runs):
                    for side in (False, True):
                        token = f"{700000 + r * 2 + side}:bench-token"
                        best[side] = max(best[side], await drain(fake, warden, token, args.updates, side))
        return best[False], best[True], await ledger_round_trips(cluster.url, 2000)

    try:
        plain, once, trips = asyncio.run(run())
    finally:
        cluster.stop()
    cost = (1 / once - 1 / plain) * 1000
    ordered = sorted(trips)
    print(
        f"\naiogram run_polling under a Warden, {args.updates} queued updates, handlers inline, best of "
        f"{args.runs}; PostgreSQL {binaries.version} on a local Unix socket\n"
    )
    print("| measure | exactly_once=False | exactly_once=True | ratio |")
    print("|---|---|---|---|")
    print(f"| updates handled per second | {plain:.0f} | {once:.0f} | {once / plain:.2f}× |")
    print(f"| cost per update | – | {cost:.2f} ms | – |")
    print(
        f"| ledger claim + done alone, p50 / p99 | – | {statistics.median(trips) * 1000:.2f} ms / "
        f"{ordered[int(0.99 * (len(ordered) - 1))] * 1000:.2f} ms | – |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
