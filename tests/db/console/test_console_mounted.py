"""The console mounted on the guardian's HTTP server (``runtime.console``): same page, same reads, one port."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import psycopg
import pytest
from console_state import known_state

from pgwarden.cli import main
from pgwarden.config import load, parse
from pgwarden.errors import ConfigError
from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.runtime.connection import sql_text


def _warden(config: Path, url: str, **settings: object) -> Warden:
    cfg = load(config).with_overrides(database_url=url)
    values = {"name": "guard", "ttl": 3.0, "check_interval": 0.5, "health_port": 0, "console": True}
    return Warden(url, RuntimeSettings(**{**values, **settings}), config=cfg)  # type: ignore[arg-type]


async def _until_read(client: httpx.AsyncClient, base: str) -> str:
    for _ in range(120):
        page = (await client.get(f"{base}/console/")).text
        if "Not read yet." not in page.split('id="panel-backups"')[0]:
            return page
        await asyncio.sleep(0.5)  # under the console's rate limit (5 requests a second)
    raise AssertionError("the console's first reads never reached the page")


def test_the_guardian_serves_the_console_under_console(db_url: str, tmp_path: Path) -> None:
    config = known_state(db_url, tmp_path / "project", samples=4)

    async def scenario() -> None:
        async with _warden(config, db_url) as w, httpx.AsyncClient(timeout=10) as client:
            base = w.server.url
            bare = await client.get(f"{base}/console")
            assert bare.status_code in (307, 308) and bare.headers["location"].endswith("/console/")
            page = await _until_read(client, base)
            assert "bot is active on vps-2" in page and "(stale deploy)" in page
            # every address in the page resolves under the prefix
            assert 'href="static/console.css"' in page and 'src="static/console.js"' in page
            for path in ("/console/panels", "/console/static/console.css", "/console/static/console.js"):
                assert (await client.get(base + path)).status_code == 200, path
            assert 'id="panel-instances"' in (await client.get(f"{base}/console/panels")).text
            state = (await client.get(f"{base}/console/state.json")).json()
            assert state["instances"]["tone"] in ("warn", "bad"), state[
                "instances"
            ]  # stale deploy, not ready
            # the endpoints are unchanged beside it
            assert (await client.get(f"{base}/health/live")).status_code == 200
            assert "pgwarden_" in (await client.get(f"{base}/metrics")).text
            assert (await client.post(f"{base}/console/")).status_code == 405, "GET only"
            assert w.server.on_close, "the console's reading threads stop with the server"
            # this guardian's own gate verdict reaches the timeline (recorded in pgwarden.events)
            for _ in range(60):
                timeline = (await client.get(f"{base}/console/panels")).text.split('id="panel-timeline"')[1]
                if "Schema gate failed: migrations are not at head" in timeline and "guard on " in timeline:
                    break
                await asyncio.sleep(0.5)
            else:
                raise AssertionError("the gate's verdict never reached the timeline")

    asyncio.run(scenario())


def test_the_console_stays_off_unless_asked(db_url: str, tmp_path: Path) -> None:
    async def scenario() -> None:
        cfg = parse({}, file=tmp_path / "pgwarden.toml")
        settings = RuntimeSettings(name="quiet", ttl=3.0, check_interval=0.5, health_port=0)
        async with Warden(db_url, settings, config=cfg) as w, httpx.AsyncClient(timeout=10) as client:
            assert (await client.get(f"{w.server.url}/console/")).status_code == 404

    asyncio.run(scenario())


def test_with_a_token_the_login_link_leaves_a_cookie_for_the_prefix(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGWARDEN_HEALTH_TOKEN", "s3cret-console-token")
    config = known_state(db_url, tmp_path / "project", samples=1)

    async def scenario() -> None:
        async with _warden(config, db_url) as w, httpx.AsyncClient(timeout=10) as client:
            base = w.server.url
            assert (await client.get(f"{base}/console/")).status_code == 401
            login = await client.get(f"{base}/console/login?token=s3cret-console-token")
            assert login.status_code == 303 and login.headers["location"] == "./"
            cookie = login.headers["set-cookie"]
            assert "Path=/console/" in cookie and "s3cret" not in cookie
            page = await client.get(f"{base}/console/")  # the client keeps the cookie
            assert page.status_code == 200 and "s3cret" not in page.text
            bearer = {"Authorization": "Bearer s3cret-console-token"}
            assert (await client.get(f"{base}/metrics", headers=bearer)).status_code == 200

    asyncio.run(scenario())


def test_an_open_address_without_a_token_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGWARDEN_HEALTH_TOKEN", raising=False)
    config = tmp_path / "pgwarden.toml"
    config.write_text("", encoding="utf-8")

    async def scenario() -> None:
        async with _warden(config, db_url, health_host="0.0.0.0"):
            pass

    with pytest.raises(ConfigError, match=r"open to the network: set a token in \$PGWARDEN_HEALTH_TOKEN"):
        asyncio.run(scenario())


def test_the_console_key_needs_the_health_port(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.pgwarden.runtime]\nconsole = true\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"`tool.pgwarden.runtime.console` .* set `tool.pgwarden.runtime.health_port`"
    ):
        RuntimeSettings.for_guardian(load(config))
    assert RuntimeSettings.for_guardian(load(config), health_port=0).console
    assert RuntimeSettings.from_config(load(config)).console, "other commands load the file as it is"
    err = io.StringIO()
    code = main(["--config", str(config), "run", "--", "true"], io.StringIO(), err)
    assert code == 2 and "health_port" in err.getvalue() and "Traceback" not in err.getvalue()


def test_the_guardian_records_its_demotion_for_the_timeline(db_url: str, tmp_path: Path) -> None:
    cfg = parse({}, file=tmp_path / "pgwarden.toml")
    settings = RuntimeSettings(name="hist", ttl=3.0, check_interval=0.2)
    with psycopg.connect(db_url, autocommit=True) as conn:  # the runtime's tables of a release before events
        conn.execute(sql_text("schema.sql").encode())

    async def scenario() -> None:
        async with Warden(db_url, settings, config=cfg) as w:
            await asyncio.wait_for(w.wait_active(), 10)

    asyncio.run(scenario())
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT name, kind, outcome, summary FROM pgwarden.events").fetchall()
    assert rows == [
        ("hist", "leadership", "ok", "Stood down from 'hist' (epoch 1): the instance is stopping.")
    ], rows


def test_events_are_kept_within_their_bounds(db_url: str) -> None:
    from pgwarden.runtime import history

    assert not history.record(db_url, name="x", kind="gate", outcome="ok", summary="no table, no write")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA pgwarden")
        assert not history.record(db_url, name="x", kind="gate", outcome="ok", summary="nor a new table")
        assert conn.execute("SELECT to_regclass('pgwarden.events')").fetchone() == (None,)
        conn.execute(sql_text("events_schema.sql").encode())  # as the guardian's first start does
    assert history.record(db_url, name="x", kind="gate", outcome="ok", summary="first")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE pgwarden.events SET at = now() - interval '31 days'")
        conn.execute(
            "INSERT INTO pgwarden.events (name, instance, kind, outcome, summary) "
            "SELECT 'x', 'h:1', 'gate', 'ok', 'filler ' || i FROM generate_series(1, %s) i",
            (history.KEEP_ROWS + 5,),
        )
    assert history.record(db_url, name="x", kind="backup", outcome="bad", summary="newest")
    with psycopg.connect(db_url) as conn:
        count, first, newest = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE summary = 'first'), "
            "(SELECT summary FROM pgwarden.events ORDER BY id DESC LIMIT 1) FROM pgwarden.events"
        ).fetchone()
    assert (count, first, newest) == (history.KEEP_ROWS, 0, "newest"), "a month, and 10,000 rows at most"
