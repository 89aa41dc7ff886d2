"""What the background parts of the guardian (scheduled backups, invariants) need from their host.

They run while the instance is active and report through alerts; they take any host with these
few members (the Warden is one), so none of them imports the Warden that starts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..config import Config
from .settings import RuntimeSettings

if TYPE_CHECKING:
    from ..checks import Outcome

__all__ = ["ActiveHost"]


class ActiveHost(Protocol):
    """An instance that may be active, with its configuration, its database and its alerts."""

    url: str
    config: Config
    settings: RuntimeSettings
    invariant_outcomes: list[Outcome]

    async def wait_active(self) -> None: ...

    async def alert(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> None: ...
