"""systemd's notify protocol: READY=1, WATCHDOG=1 and STATUS= to $NOTIFY_SOCKET, no libsystemd needed."""

from __future__ import annotations

import os
import socket
import time

__all__ = ["Watchdog", "sd_notify", "watchdog_interval"]


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


class Watchdog:
    """READY=1 once, WATCHDOG=1 as often as systemd asks, STATUS= whenever the role changes."""

    def __init__(self) -> None:
        self._next = 0.0
        self._status = ""

    def tick(self, status: str) -> None:
        """Called every round of the guardian's loop (also while the database is away)."""
        interval = watchdog_interval()
        now = time.monotonic()
        if now >= self._next:
            if self._next == 0.0:
                sd_notify("READY=1")
            if interval is not None:
                sd_notify("WATCHDOG=1")
            self._next = now + (interval or 60.0)
        if status != self._status:
            sd_notify(f"STATUS={status}")
            self._status = status
