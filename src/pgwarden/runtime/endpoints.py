"""The guardian's health endpoints: /live, /ready and /metrics on ``runtime.health_port``.

Imported only when the port is set: it brings prometheus_client, Starlette and uvicorn, which a
quiet guardian need not pay for in memory.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

from prometheus_client import CollectorRegistry

from .metrics import Observed, warden_registry
from .server import HealthServer, start_server

__all__ = ["Served", "serve"]

log = logging.getLogger("pgwarden.runtime")


class Served(Observed, Protocol):
    """A guardian whose liveness and readiness the endpoints answer (the Warden is one)."""

    def live(self) -> tuple[bool, dict[str, Any]]: ...

    def readiness(self) -> tuple[bool, dict[str, Any]]: ...


async def serve(guardian: Served) -> tuple[CollectorRegistry, HealthServer]:
    """Start the endpoints of ``guardian`` on its ``health_host:health_port``; its metrics and the server."""
    settings = guardian.settings
    assert settings.health_port is not None
    metrics = warden_registry(guardian)
    server = await start_server(
        live=guardian.live,
        ready=guardian.readiness,
        registry=metrics,
        host=settings.health_host,
        port=settings.health_port,
        token=os.environ.get(settings.health_token_env) or None,
    )
    log.info("health endpoints on %s", server.url)
    return metrics, server
