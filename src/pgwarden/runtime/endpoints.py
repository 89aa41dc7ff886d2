"""The guardian's health endpoints: /live, /ready and /metrics on ``runtime.health_port``.

Imported only when the port is set: it brings prometheus_client, Starlette and uvicorn, which a
quiet guardian need not pay for in memory. With ``runtime.console`` the operator's console is
mounted under ``/console/`` on the same server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any, Protocol

from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp

from ..config import Config
from ..errors import ConfigError
from ..listen import is_loopback
from .metrics import Observed, warden_registry
from .server import HealthServer, start_server
from .settings import RuntimeSettings

__all__ = ["CONSOLE_PREFIX", "Served", "serve"]

log = logging.getLogger("pgwarden.runtime")

CONSOLE_PREFIX = "/console"
"""Where ``runtime.console`` mounts the page; ``/console`` redirects to ``/console/``."""


class Served(Observed, Protocol):
    """A guardian whose liveness and readiness the endpoints answer (the Warden is one)."""

    url: str
    config: Config

    def live(self) -> tuple[bool, dict[str, Any]]: ...

    def readiness(self) -> tuple[bool, dict[str, Any]]: ...


async def serve(guardian: Served) -> tuple[CollectorRegistry, HealthServer]:
    """Start the endpoints of ``guardian`` on its ``health_host:health_port``; its metrics and the server."""
    settings = guardian.settings
    assert settings.health_port is not None
    token = os.environ.get(settings.health_token_env) or None
    metrics = warden_registry(guardian)
    mounts: list[tuple[str, ASGIApp]] = []
    console = None
    if settings.console:
        _refuse_open_console(settings, token)
        from ..console import build  # the console's readers load checks, backups, doctor: only when asked
        from ..console.app import build_app

        console = build(guardian.config, guardian.url)
        mounts.append((CONSOLE_PREFIX, build_app(console, token=token)))
    server = await start_server(
        live=guardian.live,
        ready=guardian.readiness,
        registry=metrics,
        host=settings.health_host,
        port=settings.health_port,
        token=token,
        mounts=mounts,
    )
    log.info("health endpoints on %s", server.url)
    if console is not None:
        # The first reads run in a thread: the guardian's loop (and its lease renewals) never waits
        # on them; until they end, the page says "Not read yet" for each panel.
        starting = asyncio.create_task(asyncio.to_thread(console.start), name="pgwarden-console-start")

        async def stop() -> None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(starting), timeout=5.0)
            await asyncio.to_thread(console.stop)

        server.on_close.append(stop)
        log.info("console on %s%s/ (read-only)", server.url, CONSOLE_PREFIX)
    return metrics, server


def _refuse_open_console(settings: RuntimeSettings, token: str | None) -> None:
    if token is None and not is_loopback(settings.health_host):
        raise ConfigError(
            f"`runtime.console` on {settings.health_host} would be open to the network: set a token in "
            f"${settings.health_token_env}, or keep `runtime.health_host` = 127.0.0.1."
        )
