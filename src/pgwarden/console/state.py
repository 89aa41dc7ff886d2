"""The console's state: panels refreshed in the background, so serving the page never waits on a query.

Two threads read: a quick one (the service's tables, the backups) every ``refresh`` seconds and a
slow one (the schema check on a scratch server, the invariants, the logs) every ``slow_every``
seconds. Each keeps its panels' last known state when a read fails, marked with the failure and
its age, so an unreachable database shows what was last seen instead of an error page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import PgwardenError
from ..findings import Finding
from .model import Panel

__all__ = ["Console", "Reader"]

log = logging.getLogger("pgwarden.console")

ORDER = (
    "instances",
    "data-loss",
    "check",
    "migrations",
    "invariants",
    "backups",
    "takeovers",
    "timeline",
    "incidents",
)
"""Panels in the order a tired operator asks: what runs, is anything lost, is the schema right, ..."""


@dataclass
class Reader:
    """One background read: ``read()`` returns the panels it produces; failures keep the last ones."""

    name: str
    read: Callable[[], list[Panel]]
    every: float
    due: float = 0.0
    failing_since: datetime | None = None
    last_error: str | None = None
    keys: tuple[str, ...] = field(default_factory=tuple)


class Console:
    """Holds the newest panels and the threads that refresh them."""

    def __init__(
        self, readers: Sequence[Reader], *, database: str, refresh: float, placeholders: Sequence[Panel] = ()
    ) -> None:
        self.database = database
        self.refresh = refresh
        self.readers = list(readers)
        self._panels: dict[str, Panel] = {p.key: p for p in placeholders}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- reading ---------------------------------------------------------------------------------

    def run_once(self, reader: Reader) -> None:
        """Run ``reader`` now: store its panels, or mark its last panels with why it failed."""
        started = time.monotonic()
        try:
            panels = reader.read()
        except PgwardenError as exc:
            self._failed(reader, str(exc))
        except Exception as exc:  # noqa: BLE001 - one failing panel must not take the page down
            log.exception("console reader %s failed", reader.name)
            self._failed(reader, f"internal error ({type(exc).__name__}: {exc}); see the console's log")
        else:
            took = time.monotonic() - started
            with self._lock:
                for p in panels:
                    self._panels[p.key] = p if p.seconds else _timed(p, took)
                reader.keys = tuple(p.key for p in panels)
                reader.failing_since, reader.last_error = None, None
        reader.due = time.monotonic() + reader.every

    def _failed(self, reader: Reader, error: str) -> None:
        with self._lock:
            reader.failing_since = reader.failing_since or datetime.now(timezone.utc)
            reader.last_error = error
            for key in reader.keys or (reader.name,):
                if key in self._panels:
                    self._panels[key] = self._panels[key].failed(error)

    def start(self) -> None:
        """Read everything once (so the first page is complete), then keep reading in the background."""
        quick = [r for r in self.readers if r.every <= self.refresh]
        slow = [r for r in self.readers if r.every > self.refresh]
        for r in quick:
            self.run_once(r)
        for group in (quick, slow):
            if group:
                thread = threading.Thread(
                    target=self._loop, args=(group,), daemon=True, name="pgwarden-console"
                )
                thread.start()
                self._threads.append(thread)

    def _loop(self, readers: list[Reader]) -> None:
        while not self._stop.is_set():
            due = min(readers, key=lambda r: r.due)
            wait = due.due - time.monotonic()
            if wait > 0:
                self._stop.wait(min(wait, 1.0))
                continue
            self.run_once(due)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    # --- showing ---------------------------------------------------------------------------------

    def panels(self) -> list[Panel]:
        with self._lock:
            known = dict(self._panels)
        return [known[k] for k in ORDER if k in known] + [p for k, p in known.items() if k not in ORDER]

    def banner(self, now: datetime | None = None) -> str | None:
        """The page's top line when a read keeps failing: since when, and that the data is the last known."""
        now = now or datetime.now(timezone.utc)
        failing = [r for r in self.readers if r.failing_since is not None and r.name == "service"]
        if not failing:
            return None
        r = failing[0]
        since = r.failing_since or now
        return (
            f"The database cannot be read since {since:%H:%M:%S} UTC "
            f"({_ago(now - since)}): {r.last_error} The panels show the last known state."
        )

    def snapshot(self) -> dict[str, Any]:
        """What a test or a JSON client wants: each panel's key, tone, summary and read time."""
        return {
            p.key: {
                "tone": p.tone,
                "summary": p.summary,
                "read_at": p.read_at.isoformat() if p.read_at else None,
            }
            for p in self.panels()
        }


def _timed(p: Panel, took: float) -> Panel:
    from dataclasses import replace

    return replace(p, seconds=took)


def _ago(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def findings_of(panels: Sequence[Panel]) -> list[Finding]:
    return [f for p in panels for f in p.findings]
