"""The shipped Grafana dashboard and Prometheus rules: valid, and built only on metrics pgwarden exports."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from prometheus_client import CollectorRegistry

from pgwarden.checks import Invariant, Outcome
from pgwarden.cli import main
from pgwarden.console.export import text
from pgwarden.runtime.health import ProcessHealth
from pgwarden.runtime.metrics import HealthCollector, InvariantCollector, WardenCollector

_NAME = re.compile(r"\bpgwarden_[a-z_]+\b")


def exported() -> set[str]:
    """Every sample name /metrics serves, from the real collectors (counters with their _total)."""
    registry = CollectorRegistry()
    health = ProcessHealth()
    health.record_error("sample")  # a counter with no key has no sample to name
    registry.register(HealthCollector(health))
    warden = SimpleNamespace(
        is_active=True,
        ready=True,
        epoch=3,
        db_latency=0.01,
        identity_guard=SimpleNamespace(losses=[]),
        settings=SimpleNamespace(name="bot"),
    )
    registry.register(WardenCollector(warden))  # type: ignore[arg-type]
    lagging = Outcome(Invariant(name="x", check="SELECT 1", origin="t"), count=1, lag={"p95_seconds": 1.0})
    registry.register(InvariantCollector(SimpleNamespace(invariant_outcomes=[lagging])))  # type: ignore[arg-type]
    names = {s.name for family in registry.collect() for s in family.samples}
    names |= {family.name for family in registry.collect()}  # metrics with no sample yet (rss on some hosts)
    return names


def expressions() -> list[str]:
    rules = yaml.safe_load(text("alerts"))
    found = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dashboard = json.loads(text("grafana"))
    found += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    found += [dashboard["templating"]["list"][1]["definition"]]
    return found


def test_every_expression_uses_only_metrics_pgwarden_exports() -> None:
    known = exported()
    assert {"pgwarden_leader", "pgwarden_never_awaited_total", "pgwarden_invariant_lag_seconds"} <= known
    for expr in expressions():
        used = set(_NAME.findall(expr))
        assert used, expr
        assert used <= known, f"{expr}: {sorted(used - known)} is not exported"


def test_the_rules_are_well_formed() -> None:
    rules = yaml.safe_load(text("alerts"))
    names = []
    for group in rules["groups"]:
        for rule in group["rules"]:
            names.append(rule["alert"])
            assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
            assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
            assert rule.get("for", "0m")[-1] in "smh", rule["alert"]
    assert len(names) == len(set(names)) >= 10


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool not installed (apt-get install prometheus)"
)
def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yml"
    assert main(["export", "alerts", "-o", str(rules)], io.StringIO(), io.StringIO()) == 0
    done = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "13 rules found" in done.stdout


def test_the_dashboard_is_importable_json() -> None:
    out = io.StringIO()
    assert main(["export", "grafana"], out, io.StringIO()) == 0
    dashboard = json.loads(out.getvalue())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and dashboard["uid"] == "pgwarden"
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}"
    cells = {(p["gridPos"]["x"], p["gridPos"]["y"]) for p in dashboard["panels"]}
    assert len(cells) == len(ids), "two panels on the same spot"
