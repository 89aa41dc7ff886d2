"""The values leadership hands around: the lock key of a lease name, a promotion, the holder seen by a standby."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from uuid import UUID

__all__ = ["LOCK_CLASS", "Holder", "Promotion", "lock_key"]

LOCK_CLASS = 1886877541
"""First half of the ``pg_advisory_lock(int4, int4)`` key of leases; ``(LOCK_CLASS, 0)`` serialises schema creation."""


def lock_key(name: str) -> tuple[int, int]:
    """The advisory lock key of a lease name (stable across Python versions and hosts)."""
    return LOCK_CLASS, zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


@dataclass(frozen=True)
class Promotion:
    epoch: int
    takeover: bool
    """True when the previous holder had not released its lease (it crashed, hung or lost its session)."""
    previous: UUID | None
    reason: str


@dataclass(frozen=True)
class Holder:
    """Who holds the leadership lock, as the server sees it."""

    pid: int
    application_name: str
    client_addr: str | None
    user: str
    is_lease_holder: bool
    expired: bool
    expired_for: float | None
    epoch: int | None

    @property
    def is_pgwarden(self) -> bool:
        return self.application_name.startswith("pgwarden")

    def describe(self) -> str:
        who = self.application_name or "an unnamed client"
        where = f" from {self.client_addr}" if self.client_addr else ""
        return f"{who} (server pid {self.pid}, user {self.user}{where})"
