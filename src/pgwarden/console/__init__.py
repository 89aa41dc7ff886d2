"""The operator's console: one read-only page for the service and its database, plus Prometheus exports.

``build(cfg, url, options)`` composes the reads; ``build_app(console)`` is the ASGI app;
``serve`` runs it with uvicorn; ``exports`` holds the Grafana dashboard and the alerting rules.
"""

from __future__ import annotations

from ..config import Config
from .readers import Options, placeholders, readers
from .state import Console

__all__ = ["Console", "Options", "build"]


def build(cfg: Config, url: str, options: Options | None = None) -> Console:
    """A console for the database at ``url``, not started yet (``start()`` reads once, then in the background)."""
    from ..urls import describe

    options = options or Options()
    return Console(
        readers(cfg, url, options),
        database=describe(url),
        refresh=options.refresh,
        placeholders=placeholders(cfg),
    )
