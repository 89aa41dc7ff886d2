"""What the integrations need from a leader: ``pgwarden.runtime.warden.Warden`` satisfies it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Leader"]


@runtime_checkable
class Leader(Protocol):
    """An instance that is either the one active instance or a standby, and may switch at any time."""

    @property
    def is_active(self) -> bool:
        """True while this instance holds leadership."""
        ...

    @property
    def epoch(self) -> int | None:
        """The fencing epoch of the current leadership term, None while standby."""
        ...

    @property
    def takeover_delay(self) -> float:
        """Seconds to wait after becoming active by a takeover before the first getUpdates."""
        ...

    async def wait_active(self) -> None:
        """Return once this instance is active (at once if it already is)."""
        ...

    async def wait_inactive(self) -> None:
        """Return once this instance is no longer active (at once if it is not)."""
        ...

    def beat(self, name: str = "progress") -> None:
        """Record progress of ``name``."""
        ...
