"""Invariant outcomes as Prometheus metrics: violations per invariant, lag quantiles, failed checks."""

from __future__ import annotations

from types import SimpleNamespace

from prometheus_client import CollectorRegistry, generate_latest

from pgwarden.checks import Invariant, Outcome
from pgwarden.runtime.metrics import InvariantCollector


def test_lag_quantiles_and_failed_checks_as_metrics() -> None:
    inv = Invariant(name="room-in-time", check="SELECT 1", origin="test")
    broken = Invariant(name="broken", check="SELEC", origin="test")
    outcomes = [
        Outcome(inv, count=3, lag={"p50_seconds": 1.5, "p95_seconds": 9.0, "max_seconds": 30.0, "rows": 40}),
        Outcome(broken, error="syntax error at or near SELEC"),
    ]
    registry = CollectorRegistry()
    registry.register(InvariantCollector(SimpleNamespace(invariant_outcomes=outcomes)))  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    assert 'pgwarden_invariant_violations{invariant="room-in-time"} 3.0' in text
    assert 'pgwarden_invariant_violations{invariant="broken"} -1.0' in text
    assert 'pgwarden_invariant_lag_seconds{invariant="room-in-time",quantile="0.95"} 9.0' in text
    assert 'quantile="1"} 30.0' in text
