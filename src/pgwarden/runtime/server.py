"""The health and metrics endpoints: /health/live, /health/ready, /metrics, served in the caller's loop."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import orjson
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from ..errors import ConfigError
from ..listen import bind
from ..redact import redact

__all__ = ["HealthServer", "Probe", "build_app", "start_server"]

Probe = Callable[[], tuple[bool, dict[str, Any]]]
"""Returns (healthy, JSON-ready facts): 200 with the facts when healthy, else 503."""

log = logging.getLogger("pgwarden.runtime.server")


class _JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return redact(orjson.dumps(content, default=str).decode()).encode()


def build_app(
    *,
    live: Probe,
    ready: Probe,
    registry: CollectorRegistry,
    token: str | None = None,
    mounts: Sequence[tuple[str, ASGIApp]] = (),
) -> Starlette:
    """The ASGI application behind the endpoints (usable with any ASGI server).

    ``mounts`` adds applications under path prefixes (the console under ``/console``); each one
    checks its own access, as the console does with the same token.
    """
    expected = f"Bearer {token}".encode() if token else None

    def authorised(request: Request) -> bool:
        if expected is None:
            return True
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, expected)

    def denied() -> Response:
        return _JSON(
            {"error": "this endpoint needs an Authorization: Bearer <token> header"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    def probe(check: Probe) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if not authorised(request):
                return denied()
            try:
                ok, facts = check()
            except Exception as exc:  # noqa: BLE001 - a failing probe means unhealthy, not a crashed server
                log.exception("health probe failed")
                return _JSON({"ok": False, "reasons": [f"the probe itself failed: {exc!r}"]}, status_code=503)
            return _JSON({"ok": ok, **facts}, status_code=200 if ok else 503)

        return endpoint

    async def metrics(request: Request) -> Response:
        if not authorised(request):
            return denied()
        # label values come from config and the database: redacted like every other output
        body = redact(generate_latest(registry).decode()).encode()
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/health/live", probe(live), methods=["GET"]),
            Route("/health/ready", probe(ready), methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *(Mount(prefix, app=app) for prefix, app in mounts),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the host application owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29 spelled it this way
        return None


class HealthServer:
    """A running endpoint server; ``close()`` stops it."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], sock: socket.socket) -> None:
        self._server = server
        self._task = task
        self._sock = sock
        self.on_close: list[Callable[[], Awaitable[None]]] = []
        """Run after the server stopped (the console's reading threads stop there)."""
        address = sock.getsockname()
        self.host: str = address[0]
        self.port: int = address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
        except asyncio.TimeoutError:
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        finally:
            self._sock.close()
            for stop in self.on_close:
                await stop()


async def start_server(
    *,
    live: Probe,
    ready: Probe,
    registry: CollectorRegistry,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    mounts: Sequence[tuple[str, ASGIApp]] = (),
) -> HealthServer:
    """Serve the endpoints on ``host:port`` (0 picks a free port) as a task in the running loop."""
    sock = bind(
        host, port, serving="the health endpoints", settings="`runtime.health_host` / `runtime.health_port`"
    )
    config = uvicorn.Config(
        build_app(live=live, ready=ready, registry=registry, token=token, mounts=mounts),
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="pgwarden-health-server")
    while not server.started:
        if task.done():
            sock.close()
            exc = task.exception() if not task.cancelled() else None
            raise ConfigError(f"The health server on {host}:{port} did not start ({exc!r}).")
        await asyncio.sleep(0.01)
    return HealthServer(server, task, sock)
