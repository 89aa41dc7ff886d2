"""Serving the console with uvicorn on a socket bound before the server starts (port 0 picks a free one)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import uvicorn

from ..errors import UsageError
from .app import build_app
from .state import Console

__all__ = ["bind", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"Cannot listen on {host}:{port} for the console ({exc.strerror or exc}); "
            "choose another --host / --port, or stop what holds the port."
        ) from None
    return sock


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
