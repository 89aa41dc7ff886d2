"""`pgwarden check` also says what the running instances and the backups say; the schema gate does not."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgwarden.config import Config, parse
from pgwarden.orchestrator import ContractCheck, run_check
from pgwarden.runtime.gate import run_gate
from pgwarden.runtime.leadership import sql_text
from pgwarden.runtime.settings import RuntimeSettings

SCHEMA = """
CREATE TABLE bookings (id bigint PRIMARY KEY, status text NOT NULL);
CREATE TABLE chat_rooms (booking_id bigint PRIMARY KEY);
INSERT INTO bookings VALUES (1, 'active'), (2, 'active');
"""

INVARIANT = {
    "name": "active-booking-has-chat-room",
    "check": "SELECT b.id FROM bookings b LEFT JOIN chat_rooms c ON c.booking_id = b.id "
    "WHERE b.status = 'active' AND c.booking_id IS NULL",
}


def config(tmp_path: Path, **sections: object) -> Config:
    table = {
        "expect": {"constraints": [{"table": "bookings", "name": "bookings_pkey"}]},
        "invariants": [INVARIANT],
        **sections,
    }
    return parse(table, file=tmp_path / "pgwarden.toml")


def test_check_reports_a_not_ready_instance_and_missing_backups(db_url: str, tmp_path: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute(sql_text("schema.sql").encode())
        conn.execute(
            "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ready, reasons) "
            "VALUES (%s, 'bot', 'vm1', 4242, 'standby', 'abc123', false, %s)",
            (uuid.uuid4(), ["migrations are not at head: 007_payments.sql is pending"]),
        )
    backups = tmp_path / "backups"
    backups.mkdir()
    cfg = config(tmp_path, backup={"dir": str(backups)}).with_overrides(database_url=db_url)
    found = {(f.kind, f.source) for f in run_check(cfg).findings}
    assert ("active-booking-has-chat-room", "invariant") in found
    assert {("not_ready", "runtime"), ("no_active_instance", "runtime")} <= found
    assert ("no_verified_backup", "backup") in found
    quiet = run_check(cfg, invariants=False, operations=False).findings
    assert quiet == []


def test_the_schema_gate_ignores_data_invariants(db_url: str, tmp_path: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
    cfg = config(tmp_path)
    assert run_gate(cfg, RuntimeSettings(name="bot"), db_url, check=ContractCheck()) == []


def test_check_logs_in_once_and_each_read_sees_a_fresh_session(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema, declared objects, invariants and instances share one connection (a login costs the server
    a backend): each reads in its own read-only transaction, so none leaves state for the next (the
    catalog read empties ``search_path``; the invariant's unqualified tables still resolve)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute(sql_text("schema.sql").encode())
        conn.execute(
            "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ready, reasons) "
            "VALUES (%s, 'bot', 'vm1', 4242, 'standby', 'abc123', false, %s)",
            (uuid.uuid4(), ["starting"]),
        )
    logins: list[str] = []
    real = psycopg.connect

    def counted(*args: Any, **kwargs: Any) -> psycopg.Connection[Any]:
        logins.append(str(kwargs.get("application_name")))
        return real(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counted)
    cfg = config(tmp_path).with_overrides(database_url=db_url)
    result = run_check(cfg)
    assert logins == ["pgwarden"]
    assert [(o.invariant.name, o.count, o.error) for o in result.invariants] == [
        ("active-booking-has-chat-room", 2, None)
    ]
    assert {f.kind for f in result.findings} == {
        "active-booking-has-chat-room",
        "not_ready",
        "no_active_instance",
    }


def test_instances_dropped_after_the_opening_saw_them_are_none(db_url: str, tmp_path: Path) -> None:
    # check's opening saw pgwarden.instances, so the instances are read without asking again; a
    # schema dropped in between reads as "never registered", not as an error.
    from pgwarden.checks.instances import InstancesProvider
    from pgwarden.providers import Context

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS pgwarden CASCADE")
        found = InstancesProvider().findings(Context(config(tmp_path), db_url, conn, registered=True))
        assert found == [] and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_the_schema_gate_logs_in_once_for_the_ledger_and_the_contract(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate runs on every start: the migrations' look (pending, failed, edited) and the contract
    check share one connection (each login costs a remote database several round trips); the gate
    still blocks on drift and on a pending file."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_schema.sql").write_text(SCHEMA, encoding="utf-8")
    cfg = config(tmp_path, migrations=str(folder))
    assert run_gate(cfg, RuntimeSettings(name="bot"), db_url, check=ContractCheck(), apply=True) == []
    logins: list[str] = []  # to the live database (the expected schema is built on a scratch one)
    real, live = psycopg.connect, psycopg.conninfo.conninfo_to_dict(db_url)["dbname"]

    def counted(*args: Any, **kwargs: Any) -> psycopg.Connection[Any]:
        conn = real(*args, **kwargs)
        if conn.info.dbname == live:
            logins.append(str(kwargs.get("application_name")))
        return conn

    monkeypatch.setattr(psycopg, "connect", counted)
    assert run_gate(cfg, RuntimeSettings(name="bot"), db_url, check=ContractCheck()) == []
    assert logins == ["pgwarden"]
    with real(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE bookings DROP CONSTRAINT bookings_pkey")  # the declared constraint
    (folder / "002_next.sql").write_text("CREATE TABLE later (id int);\n", encoding="utf-8")
    logins.clear()
    reasons = run_gate(cfg, RuntimeSettings(name="bot"), db_url, check=ContractCheck())
    assert logins == ["pgwarden"]
    assert [r.split(":")[0] for r in reasons] == [
        "migrations are not at head",
        "the contract check found 2 error(s)",
    ]
