"""Serving the console with uvicorn on a socket bound before the server starts (port 0 picks a free one)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from .app import build_app
from .state import Console

__all__ = ["serve"]


def serve(console: Console, sock: socket.socket, *, token: str | None, ready: Callable[[], None]) -> None:
    """Serve until interrupted (SIGINT, SIGTERM); ``ready`` is called once the first request can be answered."""
    config = uvicorn.Config(
        build_app(console, token=token),
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    server = uvicorn.Server(config)
    original = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original(sockets=sockets)
        ready()

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run(sockets=[sock])
    finally:
        console.stop()
