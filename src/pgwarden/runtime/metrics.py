"""Prometheus collectors of the guardian and of process health, read live at every scrape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from ..checks import Outcome
    from .health import ProcessHealth
    from .identity_guard import IdentityGuard
    from .settings import RuntimeSettings


class Observed(Protocol):
    """What the collectors read from the guardian (the Warden is one), live at every scrape."""

    settings: RuntimeSettings
    health: ProcessHealth
    identity_guard: IdentityGuard
    invariant_outcomes: list[Outcome]
    db_latency: float | None

    @property
    def is_active(self) -> bool: ...

    @property
    def ready(self) -> bool: ...

    @property
    def epoch(self) -> int | None: ...


def warden_registry(warden: Observed) -> CollectorRegistry:
    """Every metric of ``warden``: leadership, readiness, epoch, database latency, process health."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(HealthCollector(warden.health))
    registry.register(WardenCollector(warden))
    registry.register(InvariantCollector(warden))
    return registry


class HealthCollector(Collector):
    def __init__(self, health: ProcessHealth) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        h = self._health
        rss = GaugeMetricFamily("pgwarden_rss_bytes", "Resident set size of this process, in bytes.")
        if h.rss_bytes is not None:
            rss.add_metric([], float(h.rss_bytes))
        yield rss
        progress = GaugeMetricFamily(
            "pgwarden_last_progress_seconds",
            "Seconds since each progress beacon last beat.",
            labels=["beacon"],
        )
        for name, age in h.beacon_ages().items():
            progress.add_metric([name], age)
        yield progress
        lag = GaugeMetricFamily(
            "pgwarden_event_loop_lag_seconds", "How late the event loop woke up at the last measurement."
        )
        if h.loop_lag_seconds is not None:
            lag.add_metric([], h.loop_lag_seconds)
        yield lag
        yield CounterMetricFamily(
            "pgwarden_never_awaited", "Coroutines created and never awaited.", value=h.never_awaited
        )
        errors = CounterMetricFamily("pgwarden_errors", "Occurrences of each error, by key.", labels=["key"])
        for key, count in sorted(h.errors().items()):
            errors.add_metric([key], count)
        yield errors


class WardenCollector(Collector):
    """pgwarden_leader, pgwarden_ready, pgwarden_epoch, pgwarden_db_latency_seconds, read live."""

    def __init__(self, warden: Observed) -> None:
        self.warden = warden

    def collect(self) -> list[Metric]:
        w = self.warden
        labels = ["name"]
        metrics: list[Metric] = []
        for name, doc, value in (
            ("pgwarden_leader", "1 when this instance is the active one", 1.0 if w.is_active else 0.0),
            ("pgwarden_ready", "1 when this instance may become active", 1.0 if w.ready else 0.0),
            (
                "pgwarden_epoch",
                "Fencing epoch of the active lease held by this instance (0: none)",
                float(w.epoch or 0),
            ),
            (
                "pgwarden_db_latency_seconds",
                "Duration of the last identity check round trip",
                w.db_latency or 0.0,
            ),
            (
                "pgwarden_data_loss",
                "1 while a data-loss condition is detected",
                1.0 if w.identity_guard.losses else 0.0,
            ),
        ):
            family = GaugeMetricFamily(name, doc, labels=labels)
            family.add_metric([w.settings.name], value)
            metrics.append(family)
        return metrics


class InvariantCollector(Collector):
    """pgwarden_invariant_violations{invariant} and, for invariants with a lag query,
    pgwarden_invariant_lag_seconds{invariant,quantile}: the last run by the active instance."""

    def __init__(self, warden: Observed) -> None:
        self.warden = warden

    def collect(self) -> Iterator[Metric]:
        outcomes = self.warden.invariant_outcomes
        violations = GaugeMetricFamily(
            "pgwarden_invariant_violations",
            "Rows breaking each invariant at its last run (-1: the check failed or timed out)",
            labels=["invariant"],
        )
        lag = GaugeMetricFamily(
            "pgwarden_invariant_lag_seconds",
            "How long rows waited for what the invariant expects (p50, p95, max)",
            labels=["invariant", "quantile"],
        )
        for o in outcomes:
            violations.add_metric([o.invariant.name], -1.0 if o.error is not None else float(o.count))
            for quantile, key in (("0.5", "p50_seconds"), ("0.95", "p95_seconds"), ("1", "max_seconds")):
                value = (o.lag or {}).get(key)
                if value is not None:
                    lag.add_metric([o.invariant.name, quantile], float(value))
        yield violations
        yield lag
