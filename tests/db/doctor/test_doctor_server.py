"""Server probes against a real PostgreSQL: overview, idle-in-transaction, blocked locks, identity, instances."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.doctor.server import Thresholds, overview_findings, probe_server

IMMEDIATE = Thresholds(long_query=0.0, idle_in_transaction=0.0)


def kinds(findings: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(f.kind for f in findings)


@pytest.mark.local_server  # the server started minutes ago
def test_fresh_server_reports_restart_and_size(db_url: str) -> None:
    found = probe_server(db_url)
    assert "database_size" in kinds(found)
    assert "server_restarted" in kinds(found)  # the scratch cluster started minutes ago
    size = next(f for f in found if f.kind == "database_size")
    assert size.evidence["database_size_bytes"] > 0 and size.source == "doctor"
    assert "password" not in json.dumps([f.to_dict() for f in found], default=str)


def test_idle_in_transaction_and_blocked_lock(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("CREATE TABLE jobs (id int PRIMARY KEY, chat_id bigint)")
    conn.execute("INSERT INTO jobs VALUES (1, 42)")
    holder = psycopg.connect(db_url, application_name="holder")
    waiter = psycopg.connect(db_url, application_name="waiter")
    try:
        holder.execute("UPDATE jobs SET chat_id = 43 WHERE id = 1")  # opens a transaction and holds the row
        done = threading.Event()

        def wait() -> None:
            try:
                waiter.execute("UPDATE jobs SET chat_id = 44 WHERE id = 1")
            finally:
                done.set()

        thread = threading.Thread(target=wait)
        thread.start()
        deadline = time.monotonic() + 10
        found = []
        while time.monotonic() < deadline:
            found = probe_server(db_url, limits=IMMEDIATE)
            if "blocked_lock" in kinds(found):
                break
            time.sleep(0.1)
        blocked = next(f for f in found if f.kind == "blocked_lock")
        assert blocked.evidence["blocking_pid"] == holder.info.backend_pid
        assert "UPDATE jobs SET chat_id = 43" in blocked.evidence["blocking_query"]
        idle = [f for f in found if f.kind == "idle_in_transaction"]
        assert [f.evidence["pid"] for f in idle] == [holder.info.backend_pid]
        assert any(
            f.kind == "long_running_query" and f.evidence["pid"] == waiter.info.backend_pid for f in found
        )
        holder.rollback()
        assert done.wait(10)
        thread.join()
        waiter.rollback()
        assert {"blocked_lock", "idle_in_transaction"}.isdisjoint(kinds(probe_server(db_url)))
    finally:
        holder.close()
        waiter.close()


def test_pinned_identity_mismatch(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute(
        "CREATE SCHEMA pgwarden; CREATE TABLE pgwarden.identity (id integer PRIMARY KEY CHECK (id = 1), "
        "system_identifier text, canary uuid NOT NULL, database_oid oid NOT NULL, "
        "pinned_at timestamptz NOT NULL DEFAULT now(), pinned_by text NOT NULL)"
    )
    conn.execute(
        "INSERT INTO pgwarden.identity (id, system_identifier, canary, database_oid, pinned_by) "
        "SELECT 1, (SELECT system_identifier::text FROM pg_control_system()), gen_random_uuid(), oid, 'test' "
        "FROM pg_database WHERE datname = current_database()"
    )
    assert "cluster_identity_changed" not in kinds(probe_server(db_url))
    conn.execute("UPDATE pgwarden.identity SET system_identifier = '1234567890'")
    (changed,) = [f for f in probe_server(db_url) if f.kind == "cluster_identity_changed"]
    assert changed.evidence["pinned_system_identifier"] == "1234567890"
    assert "different PostgreSQL cluster" in changed.message


def test_a_role_that_may_not_call_pg_control_system_still_gets_every_probe(
    db_url: str, conn: psycopg.Connection
) -> None:
    import uuid

    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    role = sql.Identifier(name := f"doctor_{uuid.uuid4().hex[:8]}")
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
    conn.execute("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_control_system() FROM PUBLIC")
    try:
        found = probe_server(make_conninfo(db_url, user=name))
        assert "database_size" in kinds(found) and "cluster_identity_changed" not in kinds(found)
    finally:
        conn.execute("GRANT EXECUTE ON FUNCTION pg_catalog.pg_control_system() TO PUBLIC")
        conn.execute(sql.SQL("DROP ROLE {}").format(role))


def test_instance_code_version_mismatch(db_url: str, conn: psycopg.Connection) -> None:
    import socket

    conn.execute(
        "CREATE SCHEMA pgwarden; CREATE TABLE pgwarden.instances (id uuid PRIMARY KEY, name text NOT NULL, "
        "host text NOT NULL, pid integer NOT NULL, role text NOT NULL, epoch bigint, code_version text NOT NULL, "
        "ready boolean NOT NULL DEFAULT false, reasons text[] NOT NULL DEFAULT '{}', "
        "started_at timestamptz NOT NULL DEFAULT now(), last_seen timestamptz NOT NULL DEFAULT now(), "
        "stopped_at timestamptz)"
    )
    conn.execute(
        "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version) VALUES "
        "(gen_random_uuid(), 'bot', %s, 4242, 'active', 'old123'), "
        "(gen_random_uuid(), 'bot', 'other-host', 4243, 'standby', 'old123')",
        (socket.gethostname(),),
    )
    (found,) = [f for f in probe_server(db_url, disk_version="new456") if f.kind == "code_version_mismatch"]
    assert (found.evidence["registered"], found.evidence["pid"]) == ("old123", 4242)


def test_connections_near_limit_is_pure_logic() -> None:
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    row = {
        "started_at": now - timedelta(days=3),
        "now": now,
        "version": "16.4",
        "max_connections": 100,
        "reserved": 3,
        "connections": 95,
        "database": "bot",
        "database_size": 1 << 20,
    }
    found = overview_findings(row, Thresholds(), target="bot@db/bot")
    assert [(f.kind, f.severity.value) for f in found] == [
        ("connections_near_limit", "error"),
        ("database_size", "info"),
    ]


def test_cli_env_with_db(db_url: str, tmp_path: object) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["doctor", "env", "--db", db_url, "--path", str(tmp_path), "--format", "json"], out, err)
    assert err.getvalue() == "" and code in (0, 1)
    doc = json.loads(out.getvalue())
    assert "database_size" in {f["kind"] for f in doc["findings"]}


def test_cli_env_unreachable_server_exits_3(tmp_path: object) -> None:
    out, err = io.StringIO(), io.StringIO()
    url = "postgresql://bot:secret@127.0.0.1:1/bot"
    code = main(["doctor", "env", "--db", url, "--path", str(tmp_path)], out, err)
    assert code == 3
    assert "secret" not in err.getvalue() and "127.0.0.1" in err.getvalue()
