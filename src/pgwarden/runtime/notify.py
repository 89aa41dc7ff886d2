"""systemd's notify protocol: READY=1, WATCHDOG=1 and STATUS= to $NOTIFY_SOCKET, no libsystemd needed."""

from __future__ import annotations

import os
import socket

__all__ = ["sd_notify", "watchdog_interval"]


def sd_notify(message: str) -> bool:
    """Send ``message`` (e.g. ``READY=1``) to systemd; False when not under systemd or the send failed."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or not hasattr(socket, "AF_UNIX"):
        return False
    if address.startswith("@"):  # Linux abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError:
        return False
    return True


def watchdog_interval() -> float | None:
    """How often to send WATCHDOG=1 (half of $WATCHDOG_USEC, in seconds), or None when not asked to."""
    value = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not value:
        return None
    if pid and pid.strip() != str(os.getpid()):
        return None  # the watchdog is meant for another process (e.g. our supervisor)
    try:
        usec = int(value)
    except ValueError:
        return None
    if usec <= 0:
        return None
    return usec / 1_000_000 / 2
