"""Pure parts of the guardian: the data-loss alarm, status findings, code versions, exit statuses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import uuid4

import pytest

from pgwarden.checks.instances import InstanceRow, LeaseRow, Status, evaluate
from pgwarden.runtime.errors import CommandNotFound
from pgwarden.runtime.identity import Alarm, Observation, Pin
from pgwarden.runtime.leadership import LOCK_CLASS, lock_key
from pgwarden.runtime.registry import code_version, git_commit
from pgwarden.runtime.supervisor import exit_status, resolve_command

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
PIN = Pin("7300000000000000001", uuid4(), 16384)


def obs(**changes: object) -> Observation:
    values: dict[str, object] = {
        "system_identifier": PIN.system_identifier,
        "postmaster_start": T0,
        "database_oid": PIN.database_oid,
        "pin": PIN,
    }
    values.update(changes)
    return Observation(**values)  # type: ignore[arg-type]


def watching() -> Alarm:
    alarm = Alarm()
    alarm.accept(PIN, obs())
    assert alarm.check(obs(tables=("public.users",), non_empty=("public.users",))) == []
    return alarm


def test_tables_never_seen_are_absent_not_lost() -> None:
    alarm = Alarm()
    alarm.accept(PIN, obs())
    first_deploy = obs(
        tables=("public.users",), missing_tables=("public.users",), non_empty=("public.users",)
    )
    assert alarm.check(first_deploy) == [] and alarm.absent == ("public.users",)
    created_empty = obs(tables=("public.users",), empty_tables=("public.users",), non_empty=("public.users",))
    assert alarm.check(created_empty) == [] and alarm.absent == ()
    assert alarm.check(obs(tables=("public.users",), non_empty=("public.users",))) == []
    assert [x.kind for x in alarm.check(created_empty)] == ["tables_empty"]


def test_nothing_lost() -> None:
    assert watching().check(obs()) == []


def test_a_restart_alone_is_evidence_not_loss() -> None:
    alarm = watching()
    assert alarm.check(obs(postmaster_start=T0 + timedelta(minutes=5))) == []
    assert alarm.restarts == [T0 + timedelta(minutes=5)]


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"system_identifier": "7399999999999999999", "pin": None}, "cluster_replaced"),
        ({"pin": None}, "identity_lost"),
        ({"pin": Pin(PIN.system_identifier, uuid4(), PIN.database_oid)}, "identity_lost"),
        ({"database_oid": 99999}, "database_replaced"),
        ({"missing_tables": ("public.users",), "tables": ("public.users",)}, "tables_missing"),
        (
            {"empty_tables": ("public.users",), "tables": ("public.users",), "non_empty": ("public.users",)},
            "tables_empty",
        ),
    ],
)
def test_each_loss_is_named_with_evidence(changes: dict[str, object], kind: str) -> None:
    losses = watching().check(obs(postmaster_start=T0 + timedelta(seconds=30), **changes))
    assert [loss.kind for loss in losses] == [kind]
    assert losses[0].evidence["server_restarted"] is True
    assert losses[0].needs_repin == (kind in ("cluster_replaced", "identity_lost", "database_replaced"))


def test_at_start_a_pin_from_another_cluster_is_loss() -> None:
    alarm = Alarm()
    losses = alarm.check_pinned(obs(system_identifier="7399999999999999999"))
    assert [loss.kind for loss in losses] == ["cluster_replaced"]
    assert Alarm().check_pinned(obs(pin=None)) == []  # first start: nothing pinned yet


def row(pid: int, *, code: str = "v2", seen: float = 0.5, role: str = "standby", **kw: object) -> InstanceRow:
    values: dict[str, object] = {
        "id": str(uuid4()),
        "name": "bot",
        "host": "h",
        "pid": pid,
        "role": role,
        "epoch": None,
        "code_version": code,
        "ready": True,
        "reasons": (),
        "started_at": T0 + timedelta(seconds=pid),
        "last_seen": T0,
        "seen_ago": seen,
        "stopped": False,
        "ttl": 10.0,
    }
    values.update(kw)
    return InstanceRow(**values)  # type: ignore[arg-type]


def lease(valid: bool = True) -> LeaseRow:
    return LeaseRow("bot", 3, None, valid, T0, "the previous leader's lease expired 0.3 s ago")


def kinds(status: Status) -> list[str]:
    return sorted(f.kind for f in evaluate(status))


def test_status_findings() -> None:
    healthy = Status([row(1, role="active"), row(2)], [lease()], registered=True)
    assert kinds(healthy) == ["leader_takeover"]
    stale = Status([row(1, code="v1", role="active"), row(2)], [lease()], registered=True)
    assert kinds(stale) == ["leader_takeover", "stale_code_version"]
    silent = Status([row(1, seen=60.0, role="active"), row(2)], [lease(valid=False)], registered=True)
    assert kinds(silent) == ["instance_not_seen", "leader_takeover", "no_active_instance"]
    lost = row(
        2, ready=False, reasons=("data loss: required table(s) missing: users", "migrations are not at head")
    )
    assert kinds(Status([lost], [lease(valid=False)], registered=True)) == [
        "data_loss",
        "leader_takeover",
        "no_active_instance",
        "not_ready",
    ]


def test_lock_keys_are_stable_and_apart_from_the_migration_lock() -> None:
    assert lock_key("bot") == lock_key("bot") != lock_key("other")
    assert lock_key("bot")[0] == LOCK_CLASS != 1886877540
    assert 0 <= lock_key("bot")[1] < 2**31


def test_code_version_prefers_the_environment_then_git_then_a_source_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGWARDEN_CODE_VERSION", raising=False)
    (tmp_path / "bot.py").write_text("print('v1')\n")
    first = code_version(tmp_path)
    assert first.startswith("src-")
    (tmp_path / "bot.py").write_text("print('v2')\n")
    assert code_version(tmp_path) != first
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("0123456789abcdef0123456789abcdef01234567\n")
    assert git_commit(tmp_path) == "0123456789abcdef0123456789abcdef01234567"
    assert code_version(tmp_path) == "0123456789ab"
    monkeypatch.setenv("PGWARDEN_CODE_VERSION", "release-42")
    assert code_version(tmp_path) == "release-42"


def test_commands_and_statuses() -> None:
    assert exit_status(3) == 3 and exit_status(-9) == 137
    assert resolve_command(["sh", "-c", "true"])[0].endswith("/sh")
    with pytest.raises(CommandNotFound, match="not found on PATH") as caught:
        resolve_command(["surely-not-a-command-xyz"])
    assert caught.value.exit_code == 127
    with pytest.raises(CommandNotFound, match="no such file"):
        resolve_command(["./missing/bot.py"])


def test_the_warden_is_what_the_integrations_expect() -> None:
    from pgwarden.integrations._leader import Leader
    from pgwarden.runtime import RuntimeSettings, Warden

    warden = Warden("postgresql://bot@db.example/app", RuntimeSettings(name="bot"))
    assert isinstance(warden, Leader)
    assert (warden.is_active, warden.epoch, warden.takeover_delay) == (False, None, 0.0)
    assert not warden.ready and "the schema gate has not passed yet" in warden.reasons
    ok, body = warden.readiness()
    assert not ok and body["role"] == "not_ready" and "password" not in str(body)
