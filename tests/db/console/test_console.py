"""The console against a real database in a known state: each panel, the served page, missing grants, an outage."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import httpx
import psycopg
import pytest
from console_state import known_state

from pgwarden.checks import Invariant, Outcome
from pgwarden.checks.samples import record
from pgwarden.cli import main
from pgwarden.config import load
from pgwarden.console import Options, build


def panels(config: Path, url: str, log: Path | None = None) -> dict[str, object]:
    from pgwarden.doctor.reader import LogSource

    cfg = load(config).with_overrides(database_url=url)
    logs = (LogSource("file", str(log)),) if log else ()
    board = build(cfg, url, Options(logs=logs))
    for reader in board.readers:
        board.run_once(reader)
    return {p.key: p for p in board.panels()}


def test_every_panel_tells_the_known_state(db_url: str, tmp_path: Path) -> None:
    config = known_state(db_url, tmp_path / "project")
    log = tmp_path / "bot.log"
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)  # inside the console's 24-hour log window
    log.write_text(
        f"{an_hour_ago:%Y-%m-%d %H:%M:%S}+00:00 ERROR telegram.error.Conflict: Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running\n",
        encoding="utf-8",
    )
    shown = panels(config, db_url, log)
    assert list(shown) == [
        "instances",
        "data-loss",
        "check",
        "migrations",
        "invariants",
        "backups",
        "takeovers",
        "timeline",
        "incidents",
    ]
    instances, check, migrations = shown["instances"], shown["check"], shown["migrations"]
    assert "stale deploy" in str(instances.tables[0].rows)  # type: ignore[attr-defined]
    assert "lease expired" in shown["takeovers"].summary  # type: ignore[attr-defined]
    assert migrations.summary == "2 applied, 1 failed, 1 pending." and migrations.tone == "bad"  # type: ignore[attr-defined]
    fixes = [row[3].text for row in check.tables[0].rows if row[3].code]  # type: ignore[attr-defined]
    assert any("CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_user_id_idx" in f for f in fixes), fixes
    invariants = shown["invariants"]
    assert invariants.summary == "1 of 1 invariant(s) broken." and invariants.charts  # type: ignore[attr-defined]
    assert "2 rows" in str(invariants.tables[0].rows[0][1]) or invariants.tables[0].rows[0][1].text == "2"  # type: ignore[attr-defined]
    backups = shown["backups"]
    assert backups.tone == "bad" and "no verified backup" in str(backups.findings).lower()  # type: ignore[attr-defined]
    assert "409 Conflict" in str(shown["incidents"].tables[0].rows)  # type: ignore[attr-defined]
    assert shown["data-loss"].summary.startswith("Clear")  # type: ignore[attr-defined]
    timeline = shown["timeline"]
    rows = [(r[1].text, r[2].text) for r in timeline.tables[0].rows]  # type: ignore[attr-defined]
    for what, text in (
        ("Schema gate", "Schema gate failed: migrations are not at head."),
        ("Leadership", "Lost 'bot' (epoch 2): lease expired."),
        ("Backup", "Backup 20261204T0300Z created and verified."),
        ("Takeover", "epoch 3: lease expired"),
        ("Instance", "started, code release-2026.11.28"),
    ):
        assert any(w == what and text in t for w, t in rows), (what, rows)
    failed = [t for w, t in rows if w == "Migration" and "failed" in t]
    assert failed and failed[0].startswith("3 unique_names failed: could not create unique index"), failed
    ats = [r[0].text for r in timeline.tables[0].rows]  # type: ignore[attr-defined]
    assert ats == sorted(ats, reverse=True), "newest first"
    assert timeline.tone == "bad" and "failure(s)" in timeline.summary  # type: ignore[attr-defined]
    for panel in shown.values():
        assert panel.read_at is not None and panel.error is None, panel  # type: ignore[attr-defined]


def test_a_role_with_connect_only_sees_what_grant_it_needs(db_url: str, tmp_path: Path) -> None:
    config = known_state(db_url, tmp_path / "project", samples=2)
    name = psycopg.conninfo.conninfo_to_dict(db_url)["dbname"]
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS console_watcher")
        conn.execute("CREATE ROLE console_watcher LOGIN")
        conn.execute("GRANT pg_read_all_stats TO console_watcher")
    watcher_url = _as_url(db_url, "console_watcher")
    try:
        shown = panels(config, watcher_url)
        assert shown["instances"].missing and "GRANT USAGE ON SCHEMA pgwarden" in shown["instances"].missing  # type: ignore[attr-defined]
        assert shown["migrations"].missing and "GRANT" in shown["migrations"].missing  # type: ignore[attr-defined]
        assert shown["instances"].error is None, "a missing grant is not an error page"  # type: ignore[attr-defined]
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("GRANT USAGE ON SCHEMA pgwarden TO console_watcher")
            conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA pgwarden TO console_watcher")
        shown = panels(config, watcher_url)
        assert shown["instances"].missing is None and "active on vps-2" in shown["instances"].summary  # type: ignore[attr-defined]
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("REVOKE ALL ON SCHEMA pgwarden FROM console_watcher")
            conn.execute("REVOKE ALL ON ALL TABLES IN SCHEMA pgwarden FROM console_watcher")
            conn.execute(f'REVOKE ALL ON DATABASE "{name}" FROM console_watcher')
            conn.execute("DROP OWNED BY console_watcher")
            conn.execute("DROP ROLE console_watcher")


def _as_url(url: str, user: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(url)
    return f"postgresql://{user}@/{params['dbname']}?host={params['host']}&port={params.get('port', 5432)}"


def test_the_command_serves_the_page_read_only_on_loopback(db_url: str, tmp_path: Path) -> None:
    config = known_state(db_url, tmp_path / "project", samples=4)
    started = time.monotonic()
    with subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "--config", str(config), "console", "--db", db_url, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            _serves(proc, started)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        stderr = proc.stderr.read() if proc.stderr else ""
    # uvicorn shuts down, then re-raises SIGTERM: the usual 128 + 15, and nothing on stderr.
    assert proc.returncode == 143 and "Traceback" not in stderr, stderr


def _serves(proc: subprocess.Popen[str], started: float) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("pgwarden console: serving http://127.0.0.1:"), line + proc.stderr.read()  # type: ignore[union-attr]
    address = line.split()[3]
    response = httpx.get(address, timeout=10)
    first_page = time.monotonic() - started
    assert response.status_code == 200 and first_page < 30
    assert "Content-Security-Policy" in response.headers
    for title in ("Instances", "Data-loss alarm", "Schema check", "Migrations", "Invariants", "Backups"):
        assert f">{title}<" in response.text, title
    assert "hunter2" not in response.text and "password" not in response.text.lower()
    assert httpx.post(address, timeout=10).status_code == 405, "GET only"


def test_another_address_needs_a_token(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGWARDEN_CONSOLE_TOKEN", raising=False)
    err = io.StringIO()
    code = main(["console", "--db", db_url, "--host", "0.0.0.0", "--port", "0"], io.StringIO(), err)
    assert code == 2 and "PGWARDEN_CONSOLE_TOKEN" in err.getvalue() and "Traceback" not in err.getvalue()


def test_an_unreachable_database_still_gives_a_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    url = "postgresql://bot:hunter2@127.0.0.1:1/app"
    out, err = io.StringIO(), io.StringIO()
    assert main(["console", "--db", url, "--once", str(page)], out, err) == 0, err.getvalue()
    html = page.read_text(encoding="utf-8")
    assert "cannot be read since" in html and "Could not read it yet" in html
    assert "hunter2" not in html


def test_samples_are_kept_for_the_retention_window_only(db_url: str) -> None:
    inv = Invariant(name="x", check="SELECT 1", origin="test")
    now = datetime.now(timezone.utc)
    assert record(db_url, [Outcome(inv, count=5)]) == 0, "no table, no write: the guardian's start creates it"
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regnamespace('pgwarden')").fetchone() == (None,)
        conn.execute("CREATE SCHEMA pgwarden")
        conn.execute(
            resources.files("pgwarden.checks").joinpath("sql/samples_schema.sql").read_text().encode()
        )
    record(db_url, [Outcome(inv, count=5)], at=now - timedelta(days=9))
    record(db_url, [Outcome(inv, count=1, lag={"p95_seconds": 3.0})], at=now)
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT violations, lag_p95_seconds FROM pgwarden.invariant_samples").fetchall()
    assert rows == [(1, 3.0)]


def test_the_active_guardian_keeps_the_history_the_console_charts(db_url: str, tmp_path: Path) -> None:
    import asyncio

    from pgwarden.config import parse
    from pgwarden.runtime import RuntimeSettings, Warden

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bookings (id bigint PRIMARY KEY)")
        conn.execute("INSERT INTO bookings VALUES (1), (2)")
    cfg = parse(
        {"invariants": [{"name": "no-bookings", "check": "SELECT id FROM bookings"}]},
        file=tmp_path / "pgwarden.toml",
    )
    settings = RuntimeSettings(name="bot", ttl=1.2, check_interval=0.15, invariants_every=0.2)

    def stored() -> list[tuple[str, int]]:
        with psycopg.connect(db_url) as conn:
            present = conn.execute("SELECT to_regclass('pgwarden.invariant_samples') IS NOT NULL").fetchone()
            if not present or not present[0]:
                return []
            return conn.execute("SELECT invariant, violations FROM pgwarden.invariant_samples").fetchall()

    async def scenario() -> None:
        async with Warden(db_url, settings, config=cfg) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            for _ in range(800):  # 8 s
                if len(stored()) >= 2:
                    break
                await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert set(stored()) == {("no-bookings", 2)}


def test_the_invariants_panel_says_running_until_their_first_run_ends(db_url: str, tmp_path: Path) -> None:
    """The service's tables are read every few seconds and the invariants run apart (slower): the page
    must not show the guardian's history as the invariants' summary before their first run answers."""
    config = known_state(db_url, tmp_path / "project")
    cfg = load(config).with_overrides(database_url=db_url)
    board = build(cfg, db_url, Options())
    by_name = {reader.name: reader for reader in board.readers}
    board.run_once(by_name["service"])
    shown = {p.key: p for p in board.panels()}
    assert shown["invariants"].summary == "Running the invariants…"  # type: ignore[attr-defined]
    board.run_once(by_name["invariants"])
    board.run_once(by_name["service"])
    shown = {p.key: p for p in board.panels()}
    assert shown["invariants"].summary == "1 of 1 invariant(s) broken."  # type: ignore[attr-defined]
