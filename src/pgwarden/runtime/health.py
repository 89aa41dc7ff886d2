"""Process health in library and supervisor mode: progress beacons, RSS trend, loop lag, warning counts."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import warnings
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

__all__ = ["ProcessHealth", "current_rss", "rss_trend"]

_MIB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MAX_SAMPLES = 4096
"""Bound on the RSS window whatever the sampling interval: a few hundred KB at most."""
_NEVER_AWAITED = "was never awaited"

ShowWarning = Callable[[Warning | str, type[Warning], str, int, TextIO | None, str | None], None]


def rss_trend(samples: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of ``(seconds, rss_bytes)`` samples, in MiB per hour; None below two samples."""
    n = len(samples)
    if n < 2:
        return None
    mean_t = sum(t for t, _ in samples) / n
    mean_r = sum(r for _, r in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (r - mean_r) for t, r in samples)
    return cov / var * 3600.0 / _MIB


class ProcessHealth:
    """What liveness means for a long-running bot: it makes progress, and its memory does not run away.

    ``beat(name)`` marks progress (a getUpdates round, a handled update, a job run); every
    beacon that has beaten at least once must beat again within ``progress_timeout`` seconds,
    so a process whose polling died while a scheduler still runs ("half-dead") fails liveness.
    RSS is sampled into a window of ``rss_window`` seconds; its least-squares trend above
    ``rss_growth_mb_per_hour`` (MiB per hour) fails liveness once the window spans at least a
    quarter of its length, so start-up allocations do not count as a leak.
    """

    def __init__(
        self,
        *,
        progress_timeout: float | None = None,
        rss_growth_mb_per_hour: float | None = None,
        rss_window: float = 3600.0,
    ) -> None:
        self.progress_timeout = progress_timeout
        self.rss_growth_mb_per_hour = rss_growth_mb_per_hour
        self.rss_window = rss_window
        self._started = time.monotonic()
        self._beacons: dict[str, float] = {}
        self._errors: dict[str, int] = {}
        self._samples: deque[tuple[float, int]] = deque(maxlen=_MAX_SAMPLES)
        self.never_awaited = 0
        self.loop_lag_seconds: float | None = None
        self._previous_showwarning: ShowWarning | None = None
        self._previous_unraisablehook: Callable[[Any], object] | None = None
        self._our_showwarning: ShowWarning | None = None
        self._our_unraisablehook: Callable[[Any], object] | None = None

    # --- progress and errors -------------------------------------------------------------

    def beat(self, name: str = "progress") -> None:
        """Record progress of ``name`` now (monotonic clock)."""
        self._beacons[name] = time.monotonic()

    def record_error(self, key: str) -> int:
        """Count one more occurrence of the error ``key``; returns the running count."""
        count = self._errors.get(key, 0) + 1
        self._errors[key] = count
        return count

    # --- never-awaited coroutines ----------------------------------------------------------

    def install_hooks(self) -> None:
        """Count ``coroutine ... was never awaited`` warnings; the previous handlers still see them.

        Python reports them through ``warnings.showwarning`` normally, and through
        ``sys.unraisablehook`` when a warnings filter turns them into errors.
        """
        if self._our_showwarning is not None:
            return
        previous_show: ShowWarning = warnings.showwarning
        previous_hook = sys.unraisablehook

        def showwarning(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, RuntimeWarning) and _NEVER_AWAITED in str(message):
                self.never_awaited += 1
            previous_show(message, category, filename, lineno, file, line)

        def unraisablehook(args: Any) -> None:
            exc = getattr(args, "exc_value", None)
            if isinstance(exc, RuntimeWarning) and _NEVER_AWAITED in str(exc):
                self.never_awaited += 1
            previous_hook(args)

        self._previous_showwarning, self._previous_unraisablehook = previous_show, previous_hook
        self._our_showwarning, self._our_unraisablehook = showwarning, unraisablehook
        warnings.showwarning = showwarning
        sys.unraisablehook = unraisablehook

    def remove_hooks(self) -> None:
        """Put back the handlers found by ``install_hooks`` (unless someone replaced ours since)."""
        if self._our_showwarning is None:
            return
        if warnings.showwarning is self._our_showwarning and self._previous_showwarning is not None:
            warnings.showwarning = self._previous_showwarning  # type: ignore[assignment]
        if sys.unraisablehook is self._our_unraisablehook and self._previous_unraisablehook is not None:
            sys.unraisablehook = self._previous_unraisablehook
        self._our_showwarning = self._our_unraisablehook = None
        self._previous_showwarning = self._previous_unraisablehook = None

    def __enter__(self) -> ProcessHealth:
        self.install_hooks()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove_hooks()

    # --- memory and event loop -------------------------------------------------------------

    def sample(self) -> None:
        """Take one RSS sample of this process."""
        self.record_rss(current_rss(), at=time.monotonic())

    def record_rss(self, rss_bytes: int, *, at: float) -> None:
        """Add one RSS sample taken at monotonic time ``at``; samples older than the window are dropped."""
        self._samples.append((at, rss_bytes))
        while self._samples and at - self._samples[0][0] > self.rss_window:
            self._samples.popleft()

    @property
    def rss_bytes(self) -> int | None:
        return self._samples[-1][1] if self._samples else None

    @property
    def rss_trend_mb_per_hour(self) -> float | None:
        return rss_trend(list(self._samples))

    async def run(self, interval: float = 5.0) -> None:
        """Sample RSS and measure event-loop lag every ``interval`` seconds until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            self.sample()
            before = loop.time()
            await asyncio.sleep(interval)
            self.loop_lag_seconds = max(0.0, loop.time() - before - interval)

    # --- verdicts --------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Why liveness fails, one sentence each; empty when the process is healthy."""
        now = time.monotonic()
        found: list[str] = []
        timeout = self.progress_timeout
        if timeout is not None:
            if not self._beacons and now - self._started > timeout:
                found.append(
                    f"no progress beacon in the {now - self._started:.0f} s since start "
                    f"(progress_timeout is {timeout:g} s)"
                )
            for name, at in sorted(self._beacons.items()):
                if now - at > timeout:
                    found.append(
                        f"no progress from {name!r} for {now - at:.0f} s (progress_timeout is {timeout:g} s)"
                    )
        limit = self.rss_growth_mb_per_hour
        trend = self.rss_trend_mb_per_hour
        if (
            limit is not None
            and trend is not None
            and trend > limit
            and self._window_span() >= self.rss_window / 4
        ):
            found.append(
                f"memory (RSS) grows by {trend:.1f} MiB/hour over the last {self._window_span() / 60:.0f} min "
                f"(limit rss_growth_mb_per_hour is {limit:g})"
            )
        return found

    def _window_span(self) -> float:
        return self._samples[-1][0] - self._samples[0][0] if len(self._samples) > 1 else 0.0

    def beacon_ages(self) -> dict[str, float]:
        """Seconds since each beacon last beat."""
        now = time.monotonic()
        return {name: round(now - at, 3) for name, at in sorted(self._beacons.items())}

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready facts for the health endpoints and ``pgwarden status``."""
        trend = self.rss_trend_mb_per_hour
        return {
            "rss_bytes": self.rss_bytes,
            "rss_trend_mb_per_hour": None if trend is None else round(trend, 3),
            "loop_lag_seconds": None if self.loop_lag_seconds is None else round(self.loop_lag_seconds, 4),
            "beacons": self.beacon_ages(),
            "never_awaited": self.never_awaited,
            "errors": dict(sorted(self._errors.items())),
        }

    def errors(self) -> dict[str, int]:
        return dict(self._errors)


def current_rss() -> int:
    """This process's resident set size in bytes, as psutil reports it: read from ``/proc`` on Linux, so
    the guardian does not load psutil (about 0.75 MB of its own memory) for one number; psutil elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        import psutil

        return int(psutil.Process().memory_info().rss)
