"""Bench: aiogram's own ``Dispatcher.start_polling`` vs pgwarden's leader-aware ``run_polling``, same fake Bot API.

Two figures per side, measured in the same run against tests/fake_telegram.py:

* throughput: updates handled per second draining a queue of N updates (one instance; best of
  two runs, alternating sides);
* two instances polling one bot for a few seconds while updates arrive (incident 002):
  409 Conflicts produced, updates handled twice, updates handled at all. pgwarden's pair
  hands leadership over once in the middle.

Usage: .venv/bin/python bench/polling.py [--updates 3000] [--seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from aiogram import Bot, Dispatcher, F  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402
from fake_telegram import FakeTelegram, ManualLeader  # noqa: E402

from pgwarden.integrations.aiogram import run_polling  # noqa: E402

POLL = 1


def make(fake: FakeTelegram, token: str, seen: list[int]) -> tuple[Dispatcher, Bot]:
    dp = Dispatcher()

    @dp.message(F.text)
    async def handle(message: Message) -> None:
        seen.append(message.message_id)

    return dp, Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))


Runner = Callable[[Dispatcher, Bot, ManualLeader], Awaitable[None]]


async def anchor(dp: Dispatcher, bot: Bot, leader: ManualLeader) -> None:
    await dp.start_polling(bot, polling_timeout=POLL, handle_signals=False)


async def ours(dp: Dispatcher, bot: Bot, leader: ManualLeader) -> None:
    await run_polling(dp, bot, warden=leader, polling_timeout=POLL)


async def stop(tasks: list[asyncio.Task[None]], dispatchers: list[Dispatcher]) -> None:
    for dp in dispatchers:  # aiogram's own way to stop; cancelling would orphan its polling tasks
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
    await asyncio.sleep(0)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def throughput(fake: FakeTelegram, runner: Runner, token: str, n: int) -> float:
    seen: list[int] = []
    for i in range(n):
        fake.add_message(token, f"m{i}")
    dp, bot = make(fake, token, seen)
    leader = ManualLeader()
    leader.set_active(True)
    start = time.perf_counter()
    task = asyncio.create_task(runner(dp, bot, leader))
    while len(seen) < n:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - start
    await stop([task], [dp])
    return n / elapsed


async def two_instances(fake: FakeTelegram, runner: Runner, token: str, seconds: float) -> dict[str, int]:
    seen: list[int] = []
    leaders = [ManualLeader(takeover_delay=POLL + 0.5), ManualLeader(takeover_delay=POLL + 0.5)]
    tasks = []
    dispatchers = []
    for leader in leaders:
        dp, bot = make(fake, token, seen)
        dispatchers.append(dp)
        tasks.append(asyncio.create_task(runner(dp, bot, leader)))
    leaders[0].set_active(True)
    injected = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    handed_over = False
    while loop.time() < end:
        fake.add_message(token, f"m{injected}")
        injected += 1
        if not handed_over and loop.time() > end - seconds / 2:
            leaders[0].set_active(False)
            leaders[1].set_active(True)
            handed_over = True
        await asyncio.sleep(0.05)
    await asyncio.sleep(POLL + 2.0)  # let the last ones through
    await stop(tasks, dispatchers)
    return {
        "injected": injected,
        "handled": len(set(seen)),
        "twice": len(seen) - len(set(seen)),
        "conflicts": fake.conflicts(token),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # aiogram logs every 409 as an error; the table counts them

    async def run() -> dict[str, dict[str, Any]]:
        results: dict[str, dict[str, Any]] = {}
        with FakeTelegram() as fake:
            rates: dict[str, list[float]] = {"aiogram": [], "pgwarden": []}
            for _ in range(2):  # alternate, best of two: the first run also warms up the fake
                for label, runner in (("aiogram", anchor), ("pgwarden", ours)):
                    token = f"{len(rates[label]) + 10 * (label == 'pgwarden') + 100}:throughput"
                    rates[label].append(await throughput(fake, runner, token, args.updates))
            for n, (label, runner) in enumerate((("aiogram", anchor), ("pgwarden", ours)), start=1):
                pair = await two_instances(fake, runner, f"{n}01:pair", args.seconds)
                results[label] = {"rate": max(rates[label]), **pair}
        return results

    r = asyncio.run(run())
    a, p = r["aiogram"], r["pgwarden"]
    print(f"aiogram polling, {args.updates} queued updates; two instances for {args.seconds:g} s\n")
    print("| measure | aiogram start_polling | pgwarden run_polling | ratio |")
    print("|---|---|---|---|")
    print(
        f"| updates handled per second (1 instance) | {a['rate']:.0f} | {p['rate']:.0f} | {p['rate'] / a['rate']:.2f} |"
    )
    for key, text in (
        ("conflicts", "409 Conflicts, 2 instances"),
        ("twice", "updates handled twice, 2 instances"),
        ("handled", "updates handled (of injected)"),
    ):
        shown_a = f"{a[key]} / {a['injected']}" if key == "handled" else str(a[key])
        shown_p = f"{p[key]} / {p['injected']}" if key == "handled" else str(p[key])
        print(f"| {text} | {shown_a} | {shown_p} | — |")
    clean = p["conflicts"] == 0 and p["twice"] == 0 and p["handled"] == p["injected"]
    print(f"\npgwarden: {'no 409, every update handled once: PASS' if clean else 'MISS'}")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
