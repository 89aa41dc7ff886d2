"""Incident 001 end to end: `pgwarden check` sees active bookings without chat rooms, `repair` fixes them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from incident001 import DUPLICATES, INVARIANT_TOML, MISSING, NAME, add_bookings, create, scalar

from pgwarden.cli import main


def run(config: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(config), *args], out, err)
    assert code != 70, err.getvalue()
    return code, out.getvalue(), err.getvalue()


def write_config(tmp: Path, layout: str) -> Path:
    if layout == "pgwarden.toml":
        path = tmp / "pgwarden.toml"
        path.write_text(INVARIANT_TOML)
    else:
        path = tmp / "pyproject.toml"
        body = INVARIANT_TOML.replace("[[invariants]]", "[[tool.pgwarden.invariants]]")
        path.write_text('[project]\nname = "bot"\nversion = "1"\n\n' + body)
    return path


@pytest.mark.parametrize("layout", ["pgwarden.toml", "pyproject.toml"])
def test_check_repair_check(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any], layout: str) -> None:
    create(conn)
    add_bookings(conn, 20, trigger=True)
    add_bookings(conn, 37, trigger=False)
    add_bookings(conn, 5, trigger=False, status="cancelled")
    rooms_before = scalar(conn, "SELECT count(*) FROM chat_rooms")
    assert rooms_before == 20 and scalar(conn, MISSING) == 37
    config = write_config(tmp_path, layout)

    code, out, _ = run(config, "check", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    (f,) = doc["findings"]
    assert code == 1
    assert (f["code"], f["kind"], f["severity"], f["source"]) == ("PW301", NAME, "error", "invariant")
    assert f["evidence"]["count"] == 37 and f["evidence"]["key"] == "booking_id"
    sample = f["evidence"]["sample"]
    assert len(sample) == 10 and set(sample[0]) == {"booking_id", "teacher_id", "student_id"}
    assert "pgwarden repair active-booking-has-chat-room" in f["hint"]
    assert doc["invariants"][0]["count"] == 37

    code, out, _ = run(config, "repair", NAME, "--db", db_url)  # a dry run changes nothing
    assert code == 1 and "37 violations" in out and "Dry run" in out
    assert scalar(conn, "SELECT count(*) FROM chat_rooms") == rooms_before

    code, out, err = run(config, "repair", NAME, "--db", db_url, "--apply", "--batch-size", "10")
    assert code == 0, out + err
    assert "37 violations in 4 batches, 37 rows changed" in out and "0 violations left" in out
    assert scalar(conn, "SELECT count(*) FROM chat_rooms") == rooms_before + 37
    assert scalar(conn, MISSING) == 0 and scalar(conn, DUPLICATES) == 0
    audit = conn.execute(
        "SELECT status, batches, rows_seen, rows_changed FROM pgwarden.repair_runs ORDER BY id"
    ).fetchall()
    assert audit == [("done", 4, 37, 37)]
    assert scalar(conn, "SELECT sum(rows_seen) FROM pgwarden.repair_batches") == 37

    code, out, _ = run(config, "check", "--db", db_url, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, [])

    code, out, _ = run(config, "repair", NAME, "--db", db_url, "--yes", "--format", "json")
    (again,) = json.loads(out)["repairs"]
    assert code == 0 and (again["rows_seen"], again["rows_changed"]) == (0, 0)
    assert scalar(conn, "SELECT count(*) FROM chat_rooms") == rooms_before + 37


def test_soft_deleted_room_is_left_for_a_person(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    """The repair's ON CONFLICT cannot revive a soft-deleted room: the re-check says so, exit 1."""
    create(conn)
    add_bookings(conn, 3, trigger=True)
    conn.execute(
        "UPDATE chat_rooms SET deleted_at = now() WHERE id = (SELECT min(id::text)::uuid FROM chat_rooms)"
    )
    config = write_config(tmp_path, "pgwarden.toml")
    code, out, _ = run(config, "repair", "--all", "--db", db_url, "--apply", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["repairs"][0]["rows_seen"] == 1 and doc["repairs"][0]["rows_changed"] == 0
    assert doc["repairs"][0]["remaining"] == 1 and doc["findings"][0]["kind"] == NAME
