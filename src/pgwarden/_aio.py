"""asyncio helpers that never lose a cancellation.

Before Python 3.12, ``asyncio.wait_for`` swallows a cancellation that arrives in the same loop
iteration as the inner operation completes (bpo-42130): the cancelled task carries on as if
nothing happened. A guardian loop that swallowed ``stop()``'s one ``cancel()`` kept ticking
while ``stop()`` waited for it forever (seen in the test suite on a loaded machine). So
stopping re-cancels until the task has ended, and short waits use ``asyncio.wait``, which
always lets a cancellation through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

__all__ = ["cancel_and_wait", "wait_quietly"]

RECANCEL_EVERY = 0.5
"""Seconds between cancellations of a task that has not ended yet."""


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]], *, every: float = RECANCEL_EVERY) -> None:
    """Cancel ``tasks`` and wait until all have ended, cancelling again any that swallowed it."""
    pending = {t for t in tasks if not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=every)


async def wait_quietly(aw: Awaitable[Any], timeout: float) -> bool:
    """Wait at most ``timeout`` seconds for ``aw``: True if it finished (its exception propagates).

    Unfinished, it is cancelled. Cancelling the caller cancels it too, and always propagates.
    """
    task = asyncio.ensure_future(aw)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    finally:
        if not task.done():
            task.cancel()
    if done:
        task.result()
        return True
    return False
