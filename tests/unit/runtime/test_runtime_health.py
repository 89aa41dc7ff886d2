"""ProcessHealth: progress beacons, RSS trend, loop lag, never-awaited counting, error collapsing, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import time
import warnings
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from pgwarden.runtime.health import ProcessHealth, rss_trend
from pgwarden.runtime.metrics import HealthCollector

MIB = 1024 * 1024


def test_trend_is_the_least_squares_slope_in_mib_per_hour() -> None:
    assert rss_trend([]) is None
    assert rss_trend([(0.0, 100)]) is None
    assert rss_trend([(5.0, 100), (5.0, 200)]) is None
    # 10 MiB per hour exactly, with noise that cancels out around the line.
    samples = [
        (t * 60.0, int(100 * MIB + t * 60.0 * 10 * MIB / 3600) + (MIB if t % 2 else -MIB)) for t in range(60)
    ]
    trend = rss_trend(samples)
    assert trend is not None and trend == pytest.approx(10.0, abs=0.5)
    assert rss_trend([(0.0, 100 * MIB), (3600.0, 80 * MIB)]) == pytest.approx(-20.0)


def test_a_beacon_that_stops_fails_liveness_while_others_keep_beating() -> None:
    health = ProcessHealth(progress_timeout=0.2)
    assert health.problems() == []
    health.beat("telegram")
    health.beat()
    assert health.problems() == []
    time.sleep(0.25)
    health.beat()  # the scheduler still runs; polling ("telegram") has died: half-dead
    problems = health.problems()
    assert len(problems) == 1
    assert "'telegram'" in problems[0] and "progress_timeout is 0.2 s" in problems[0]
    health.beat("telegram")
    assert health.problems() == []
    assert set(health.snapshot()["beacons"]) == {"progress", "telegram"}


def test_no_beacon_at_all_fails_after_the_timeout() -> None:
    health = ProcessHealth(progress_timeout=0.05)
    time.sleep(0.1)
    assert "no progress beacon" in health.problems()[0]
    assert ProcessHealth().problems() == []  # no timeout configured: never


def test_rss_growth_above_the_limit_fails_once_the_window_is_a_quarter_full() -> None:
    health = ProcessHealth(rss_growth_mb_per_hour=50, rss_window=3600)
    base = 100 * MIB
    for minute in range(10):  # 10 minutes at 120 MiB/hour: too early to judge
        health.record_rss(base + minute * 2 * MIB, at=minute * 60.0)
    assert health.problems() == []
    for minute in range(10, 20):
        health.record_rss(base + minute * 2 * MIB, at=minute * 60.0)
    (problem,) = health.problems()
    assert "120.0 MiB/hour" in problem and "rss_growth_mb_per_hour is 50" in problem
    assert health.snapshot()["rss_trend_mb_per_hour"] == pytest.approx(120.0)


def test_flat_memory_is_fine_and_old_samples_leave_the_window() -> None:
    health = ProcessHealth(rss_growth_mb_per_hour=5, rss_window=600)
    for minute in range(5):
        health.record_rss(100 * MIB + minute * 10 * MIB, at=minute * 60.0)  # a start-up ramp
    for minute in range(5, 30):
        health.record_rss(140 * MIB, at=minute * 60.0)
    assert health.problems() == []
    assert health.rss_trend_mb_per_hour == pytest.approx(0.0)


def test_sample_reads_this_process_rss() -> None:
    health = ProcessHealth()
    health.sample()
    assert health.rss_bytes is not None and health.rss_bytes > 5 * MIB


def test_identical_errors_collapse_into_a_count() -> None:
    health = ProcessHealth()
    assert [health.record_error("column started_at does not exist") for _ in range(3)] == [1, 2, 3]
    assert health.record_error("timeout") == 1
    assert health.snapshot()["errors"] == {"column started_at does not exist": 3, "timeout": 1}


async def _forgotten() -> None:
    return None


def test_never_awaited_warnings_are_counted_and_still_shown() -> None:
    health = ProcessHealth()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        health.install_hooks()
        try:
            _forgotten()  # type: ignore[unused-coroutine]  # the bug being counted
            gc.collect()
            warnings.warn("unrelated", RuntimeWarning, stacklevel=1)
        finally:
            health.remove_hooks()
    assert health.never_awaited == 1
    assert sum("was never awaited" in str(w.message) for w in seen) == 1  # not swallowed
    assert any(str(w.message) == "unrelated" for w in seen)


def test_never_awaited_turned_into_errors_are_counted_through_the_unraisable_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passed_on: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", passed_on.append)
    health = ProcessHealth()
    with health:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            _forgotten()  # type: ignore[unused-coroutine]
            gc.collect()
        assert sys.unraisablehook is not passed_on.append
    assert sys.unraisablehook == passed_on.append  # put back on exit
    assert health.never_awaited == 1
    assert len(passed_on) == 1 and "was never awaited" in str(passed_on[0].exc_value)


def test_run_measures_loop_lag_and_samples_memory() -> None:
    health = ProcessHealth()

    async def scenario() -> None:
        task = asyncio.create_task(health.run(interval=0.05))
        await asyncio.sleep(0.01)
        time.sleep(0.15)  # block the loop, as a synchronous call in a handler would
        await asyncio.sleep(0.12)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert health.loop_lag_seconds is not None
    snap = health.snapshot()
    assert snap["rss_bytes"] > 0
    assert set(snap) == {
        "rss_bytes",
        "rss_trend_mb_per_hour",
        "loop_lag_seconds",
        "beacons",
        "never_awaited",
        "errors",
    }


def test_lag_of_a_blocked_loop_is_seen() -> None:
    health = ProcessHealth()

    async def scenario() -> None:
        task = asyncio.create_task(health.run(interval=0.02))
        await asyncio.sleep(0.005)
        time.sleep(0.2)
        await asyncio.sleep(0)
        await asyncio.sleep(0.001)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert health.loop_lag_seconds is not None and health.loop_lag_seconds >= 0.1


def test_metrics_read_live_values() -> None:
    health = ProcessHealth()
    registry = CollectorRegistry()
    registry.register(HealthCollector(health))
    health.sample()
    health.beat("telegram")
    health.record_error("boom")
    health.record_error("boom")
    health.never_awaited = 3
    text = generate_latest(registry).decode()
    assert "pgwarden_rss_bytes " in text
    assert 'pgwarden_last_progress_seconds{beacon="telegram"}' in text
    assert "pgwarden_never_awaited_total 3.0" in text
    assert 'pgwarden_errors_total{key="boom"} 2.0' in text
    assert "pgwarden_event_loop_lag_seconds" in text
    health.record_error("boom")
    assert 'pgwarden_errors_total{key="boom"} 3.0' in generate_latest(registry).decode()
