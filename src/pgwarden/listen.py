"""A listening TCP socket bound before a server starts, shared by the console and the guardian's endpoints.

Binding first (port 0 picks a free one) lets the caller print the real address and turns a port
that is taken into one sentence naming ``host:port`` and the setting to change, not a traceback
from inside uvicorn.
"""

from __future__ import annotations

import ipaddress
import socket

from .errors import ConfigError

__all__ = ["bind", "is_loopback", "url_of"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int, *, serving: str, settings: str) -> socket.socket:
    """A non-blocking socket listening on ``host:port``.

    ``serving`` says what would listen there ("the console"), ``settings`` where to choose another
    address ("--host / --port"); both go into the one sentence raised when the address is refused.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise _refused(host, port, serving, settings, exc) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except (OSError, OverflowError) as exc:
        sock.close()
        raise _refused(host, port, serving, settings, exc) from None
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (IPv6 addresses in brackets)."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _refused(host: str, port: int, serving: str, settings: str, exc: BaseException) -> ConfigError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConfigError(
        f"Cannot listen on {host}:{port} for {serving} ({reason}): choose another address with "
        f"{settings}, or stop the program that holds the port."
    )
