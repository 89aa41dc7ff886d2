"""A Leader the tests switch by hand (re-exported by fake_telegram, where the tests have always found it)."""

from __future__ import annotations

import asyncio


class ManualLeader:
    """A Leader (pgwarden.integrations.Leader) the test switches by hand: ``set_active(True/False)``."""

    def __init__(self, *, takeover_delay: float = 0.0) -> None:
        self._active = False
        self._epoch: int | None = None
        self._epochs = 0
        self._changed = asyncio.Event()
        self.takeover_delay = takeover_delay
        self.beats: dict[str, int] = {}

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def epoch(self) -> int | None:
        return self._epoch

    def set_active(self, active: bool) -> None:
        if active and not self._active:
            self._epochs += 1
            self._epoch = self._epochs
        elif not active:
            self._epoch = None
        self._active = active
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_active(self) -> None:
        while not self._active:
            await self._changed.wait()

    async def wait_inactive(self) -> None:
        while self._active:
            await self._changed.wait()

    def beat(self, name: str = "progress") -> None:
        self.beats[name] = self.beats.get(name, 0) + 1
