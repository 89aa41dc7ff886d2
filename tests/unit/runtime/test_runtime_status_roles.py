"""`pgwarden status` shows the role an instance has now, not the one its row last said."""

from __future__ import annotations

from datetime import datetime, timezone

from pgwarden.checks.instances import InstanceRow, LeaseRow, shown

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def row(role: str, seen_ago: float, *, stopped: bool = False) -> InstanceRow:
    return InstanceRow(
        id="i-1",
        name="bot",
        host="vps",
        pid=7,
        role=role,
        epoch=3,
        code_version="abc",
        ready=True,
        reasons=(),
        started_at=NOW,
        last_seen=NOW,
        seen_ago=seen_ago,
        stopped=stopped,
        ttl=10.0,
    )


def lease(holder: str, valid: bool) -> LeaseRow:
    return LeaseRow("bot", 3, holder, valid, None, None)


def test_a_killed_leader_is_gone_once_silent_past_its_ttl() -> None:
    assert shown(row("active", 41.0), [lease("i-1", False)]).role == "gone"


def test_a_live_leader_holding_its_lease_stays_active() -> None:
    assert shown(row("active", 1.0), [lease("i-1", True)]).role == "active"


def test_an_active_row_whose_lease_moved_on_has_lost_it() -> None:
    assert shown(row("active", 1.0), [lease("i-2", True)]).role == "lost"


def test_stopped_and_standby_rows_are_shown_as_they_are() -> None:
    assert shown(row("standby", 1.0), []).role == "standby"
    assert shown(row("active", 99.0, stopped=True), []).role == "active"
