"""The success criteria of `deploy verify` judged on hand-made observations (no database, no network)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from pgwarden.checks.instances import InstanceRow
from pgwarden.deploy.criteria import Observation, judge, same_version

NOW = 1_800_000_000.0


def instance(
    role: str = "active", *, version: str = "04852ce7a9d1", ready: bool = True, pid: int = 1, **kw: object
) -> InstanceRow:
    values: dict[str, object] = {
        "id": f"id-{pid}",
        "name": "bot",
        "host": "web-1",
        "pid": pid,
        "role": role,
        "epoch": 1,
        "code_version": version,
        "ready": ready,
        "reasons": (),
        "started_at": datetime.fromtimestamp(NOW - 900, timezone.utc),
        "last_seen": datetime.fromtimestamp(NOW, timezone.utc),
        "seen_ago": 0.5,
        "stopped": False,
    }
    values.update(kw)
    return InstanceRow(**values)  # type: ignore[arg-type]


def by_name(obs: Observation) -> dict[str, tuple[str, str, str]]:
    return {c.name: (c.state, c.detail, c.todo) for c in judge(obs)}


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        ("04852ce", "04852ce7a9d1", True),
        ("04852ce7a9d1f00dbabe", "04852ce7a9d1", True),
        ("04852CE7A9D1", "04852ce7a9d1", True),
        ("0485", "04852ce7a9d1", False),  # too short to be a commit prefix
        ("v1.2.3", "v1.2.30", False),
        ("release-7", "release-7", True),
    ],
)
def test_versions_match_as_git_commits_do(expected: str, actual: str, same: bool) -> None:
    assert same_version(expected, actual) is same


def test_everything_skipped_but_the_registry_when_nothing_is_configured() -> None:
    got = by_name(Observation(now=NOW, name="bot", instances=[instance()]))
    assert {k: v[0] for k, v in got.items()} == {
        "version": "skipped",
        "migrations": "skipped",
        "schema_gate": "met",
        "one_active": "met",
        "updates": "skipped",
        "identity": "skipped",
        "quiet_logs": "skipped",
    }


def test_two_active_instances_and_a_blocked_gate() -> None:
    two = Observation(now=NOW, name="bot", instances=[instance(pid=1), instance(pid=2)])
    state, detail, todo = by_name(two)["one_active"]
    assert state == "unmet" and "2 instances" in detail and "Stop the stray one" in todo
    blocked = Observation(
        now=NOW,
        name="bot",
        instances=[instance("standby", ready=False, reasons=("migrations are not at head: 006 pending",))],
    )
    state, detail, _ = by_name(blocked)["schema_gate"]
    assert state == "unmet" and "006 pending" in detail
    assert by_name(blocked)["one_active"][0] == "unmet"


def test_polling_needs_a_live_active_instance_and_no_backlog() -> None:
    base = Observation(
        now=NOW,
        name="bot",
        instances=[instance()],
        telegram_configured=True,
        me={"username": "shop_bot"},
        webhook={"url": "", "pending_update_count": 3},
    )
    assert by_name(base)["updates"][0] == "met"
    silent = replace(base, instances=[instance(seen_ago=30.0)])
    assert by_name(silent)["updates"][0] == "unmet"
    backlog = replace(base, webhook={"url": "", "pending_update_count": 500})
    assert "500 updates" in by_name(backlog)["updates"][1]


def test_webhook_errors_count_only_after_the_deployment_started() -> None:
    base = Observation(
        now=NOW,
        name="bot",
        instances=[instance()],
        telegram_configured=True,
        mode="webhook",
        expected_webhook="https://bot.example.com/hook",
        me={"username": "shop_bot"},
        webhook={
            "url": "https://bot.example.com/hook",
            "last_error_date": int(NOW - 3600),
            "last_error_message": "old",
        },
    )
    assert by_name(base)["updates"][0] == "met"  # before the instance started 900 s ago
    fresh = replace(
        base, webhook={**(base.webhook or {}), "last_error_date": int(NOW - 60), "last_error_message": "502"}
    )
    assert by_name(fresh)["updates"][:2] == ("unmet", "Telegram's last delivery failed 60 s ago: 502.")
    elsewhere = replace(base, webhook={"url": "https://old.example.com/hook"})
    assert "points at https://old.example.com/hook" in by_name(elsewhere)["updates"][1]


def test_identity_a_rejected_token_and_the_quiet_window() -> None:
    base = Observation(
        now=NOW,
        name="bot",
        instances=[instance()],
        telegram_configured=True,
        expected_username="Shop_Bot",
        me={"username": "shop_bot"},
        webhook={"url": ""},
        logs_configured=True,
        quiet_for=600,
    )
    got = by_name(base)
    assert got["identity"][0] == "met" and got["quiet_logs"][0] == "met"
    assert by_name(replace(base, quiet_for=1200))["quiet_logs"][0] == "unmet"
    other = by_name(replace(base, me={"username": "shop_staging_bot"}))["identity"]
    assert other[0] == "unmet" and "@shop_staging_bot" in other[1]
    rejected = by_name(replace(base, me=None, me_error="Telegram rejects the bot token (401 Unauthorized)"))
    assert rejected["identity"][0] == rejected["updates"][0] == "unmet"
    noisy = by_name(replace(base, log_errors=[("undefined-column", 4, "A column does not exist")]))[
        "quiet_logs"
    ]
    assert noisy[0] == "unmet" and "4 × A column does not exist (undefined-column)" in noisy[1]


def test_verify_keeps_looking_until_the_deadline_even_with_a_long_interval() -> None:
    import time

    from pgwarden.deploy.observe import Target
    from pgwarden.deploy.verify import verify

    looks: list[float] = []

    def look(target: Target) -> Observation:
        looks.append(time.monotonic())
        healthy = len(looks) >= 3
        return Observation(now=NOW, name="bot", instances=[instance()] if healthy else [])

    verdict = verify(Target(url="postgresql://unused", name="bot"), deadline=1.0, interval=0.3, look=look)
    assert verdict.ok and verdict.rounds == 3
    looks.clear()
    started = time.monotonic()
    never = verify(
        Target(url="postgresql://unused", name="bot"),
        deadline=0.5,
        interval=5.0,
        look=lambda t: Observation(now=NOW, name="bot"),
    )
    assert not never.ok and never.rounds == 2 and 0.45 <= time.monotonic() - started < 2
