"""Cancellation that cannot be lost: a task that swallowed one cancel() still ends, waits end on time."""

from __future__ import annotations

import asyncio

import pytest

from pgwarden._aio import cancel_and_wait, wait_quietly
from pgwarden.integrations._polling import TaskSet


async def _swallows_first_cancel(ticks: list[int]) -> None:
    """Like a loop whose wait_for swallowed the cancellation (Python < 3.12): it carries on."""
    swallowed = False
    while True:
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed = True
        ticks.append(1)


def test_a_task_that_swallowed_a_cancellation_still_ends() -> None:
    async def scenario() -> int:
        ticks: list[int] = []
        task = asyncio.create_task(_swallows_first_cancel(ticks))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(cancel_and_wait([task], every=0.1), timeout=5)
        assert task.cancelled()
        return len(ticks)

    assert asyncio.run(scenario()) > 0


def test_wait_quietly_times_out_finishes_and_propagates() -> None:
    async def scenario() -> None:
        never = asyncio.Event()
        assert not await wait_quietly(never.wait(), 0.05)
        assert await wait_quietly(asyncio.sleep(0), 1)
        with pytest.raises(ZeroDivisionError):
            await wait_quietly(asyncio.to_thread(lambda: 1 / 0), 1)
        inner = asyncio.ensure_future(never.wait())
        outer = asyncio.create_task(wait_quietly(inner, 60))
        await asyncio.sleep(0.01)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        assert inner.cancelled()

    asyncio.run(scenario())


@pytest.mark.timeout(20)
def test_task_set_wait_yields_while_a_finished_task_is_still_in_the_set() -> None:
    """Python 3.12+ completes ``gather`` over finished tasks without yielding to the loop.

    A handler task that finished in the same loop iteration as the wind-down began stays in the
    set until its done callback runs; a wait that never yields spins forever (a hung CI run on
    Python 3.13). With a 20 s timeout the old loop fails this test on 3.12+ instead of passing.
    """
    handled: list[int] = []

    async def handler() -> None:
        handled.append(1)

    async def scenario() -> None:
        tasks = TaskSet()
        await tasks.start(handler)
        # Step once: the handler runs to completion in this iteration, its done callback in the next.
        await asyncio.sleep(0)
        await asyncio.wait_for(tasks.wait(), timeout=5)

    asyncio.run(scenario())
    assert handled == [1]
