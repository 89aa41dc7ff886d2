"""The findings-provider interface: how a capability hands its findings to whoever composes them.

``pgwarden check``, the runtime's schema gate, a backup's verification and (later) the
console each compose providers; no capability imports the one that composes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .config import Config
from .findings import Finding

if TYPE_CHECKING:
    import psycopg

__all__ = ["Context", "FindingsProvider", "collect"]


@dataclass(frozen=True)
class Context:
    """What a provider needs to look: the configuration and the database it looks at."""

    cfg: Config
    url: str
    conn: psycopg.Connection[Any] | None = None
    """An open autocommit connection to ``url`` when the caller has one: a provider reads through it
    (in its own read-only transaction) instead of connecting again."""
    registered: bool | None = None
    """Whether ``pgwarden.instances`` exists (an instance ever registered), when the caller has asked."""


class FindingsProvider(Protocol):
    """One capability's findings about the database at ``ctx.url``; ``[]`` when it has nothing to say."""

    @property
    def name(self) -> str:
        """The capability, as logs and timings name it: ``instances``, ``backups``, ``invariants``."""
        ...

    def findings(self, ctx: Context) -> list[Finding]: ...


def collect(providers: tuple[FindingsProvider, ...], ctx: Context) -> list[Finding]:
    """Every provider's findings, in the providers' order."""
    found: list[Finding] = []
    for provider in providers:
        found += provider.findings(ctx)
    return found
