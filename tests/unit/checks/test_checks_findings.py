"""Findings of invariants and declared settings, built without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden import config
from pgwarden.checks.declared import LiveSetting, check_settings
from pgwarden.checks.invariants import Invariant
from pgwarden.checks.run import Outcome, finding
from pgwarden.checks.thresholds import Threshold
from pgwarden.errors import ConfigError
from pgwarden.expectations import ExpectSetting
from pgwarden.findings import Severity

INV = Invariant(
    name="rooms", check="SELECT 1", origin="pgwarden.toml: invariants[0]", description="Rooms exist"
)


def test_violation_finding_carries_count_threshold_and_sample() -> None:
    outcome = Outcome(INV, count=3, key="id", sample=[{"id": 1}, {"id": 2}, {"id": 3}])
    f = finding(outcome)
    assert f is not None
    assert (f.code, f.kind, f.severity, f.source, f.object) == (
        "PW301",
        "rooms",
        Severity.ERROR,
        "invariant",
        "rooms",
    )
    assert f.message == "3 rows break invariant rooms: rooms exist."
    assert f.evidence["threshold"] == {"error_if": "> 0"} and f.evidence["sample"][0] == {"id": 1}
    assert "add a `repair` query" in f.hint
    assert finding(Outcome(INV, count=0)) is None


def test_percentage_threshold_in_message() -> None:
    inv = Invariant(
        name="r",
        check="SELECT 1",
        origin="x",
        warn_if=Threshold(">", 1, True),
        population="SELECT 1",
        repair="X",
    )
    f = finding(Outcome(inv, count=5, population=200, key="id"))
    assert f is not None and f.severity is Severity.WARNING
    assert "(2.5% of 200)" in f.message and "pgwarden repair r" in f.hint
    assert finding(Outcome(inv, count=1, population=200)) is None


def test_failure_and_timeout_findings() -> None:
    failed = finding(Outcome(INV, error='check query: syntax error at or near "SELEC"', sqlstate="42601"))
    assert failed is not None and failed.code == "PW302" and failed.kind == "rooms"
    assert "pgwarden.toml: invariants[0]" in failed.hint
    slow = finding(Outcome(INV, error="check query: canceling statement", timed_out=True))
    assert slow is not None and (slow.code, slow.severity) == ("PW303", Severity.WARNING)


def test_settings() -> None:
    want = (ExpectSetting("session_replication_role", "origin"),)
    ok = {"session_replication_role": LiveSetting("session_replication_role", "origin")}
    assert check_settings(want, ok) == []
    bad = {
        "session_replication_role": LiveSetting(
            "session_replication_role", "origin", overrides=(("bot", None, "replica"),)
        )
    }
    (f,) = check_settings(want, bad)
    assert f.code == "PW304" and "role bot in every database" in f.message and "triggers" in f.message
    assert f.fix_sql == 'ALTER ROLE "bot" RESET "session_replication_role"'
    server = {"session_replication_role": LiveSetting("session_replication_role", "replica")}
    (f,) = check_settings(want, server)
    assert f.fix_sql is not None and f.fix_sql.startswith(
        "ALTER SYSTEM SET \"session_replication_role\" = 'origin'"
    )
    (f,) = check_settings((ExpectSetting("no_such", "1"),), {})
    assert "does not exist" in f.message


def test_expect_settings_in_config(tmp_path: Path) -> None:
    (tmp_path / "pgwarden.toml").write_text(
        '[[expect.settings]]\nname = "session_replication_role"\nvalue = "origin"\n'
    )
    cfg = config.load(tmp_path / "pgwarden.toml")
    assert cfg.expect.settings == (ExpectSetting("session_replication_role", "origin"),) and cfg.expect
    (tmp_path / "pgwarden.toml").write_text('[[expect.settings]]\nname = "session_replication_role"\n')
    with pytest.raises(ConfigError, match=r"`expect.settings\[0\]` needs `value`"):
        config.load(tmp_path / "pgwarden.toml")
