"""The console's panels and page without a database: what each panel says, escaping, auth, rate limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from pgwarden.checks.instances import InstanceRow, LeaseRow, Status
from pgwarden.console.app import RateLimit, build_app
from pgwarden.console.model import Chart, Panel
from pgwarden.console.panels_schema import check
from pgwarden.console.panels_service import data_loss, instances, takeovers
from pgwarden.console.read import Service, Takeover
from pgwarden.console.render import page
from pgwarden.console.state import Console, Reader
from pgwarden.console.svg import sparkline
from pgwarden.errors import DatabaseUnreachable

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=timezone.utc)


def instance(
    host: str, version: str, role: str, *, reasons: tuple[str, ...] = (), started: int = 0
) -> InstanceRow:
    return InstanceRow(
        id=f"id-{host}",
        name="bot",
        host=host,
        pid=1,
        role=role,
        epoch=3 if role == "active" else None,
        code_version=version,
        ready=not reasons,
        reasons=reasons,
        started_at=NOW - timedelta(hours=started),
        last_seen=NOW,
        seen_ago=1.0,
        stopped=False,
    )


def service(*rows: InstanceRow) -> Service:
    lease = LeaseRow("bot", 3, "id-vps-2", True, NOW - timedelta(minutes=5), "lease expired")
    return Service(
        read_at=NOW,
        database="bot@db:5432/app",
        status=Status(list(rows), [lease], registered=True),
        takeovers=[
            Takeover("bot", 3, "id-vps-2-long", "id-vps-1-long", "lease expired", NOW - timedelta(minutes=5))
        ],
    )


def test_a_stale_deploy_is_flagged_on_its_row() -> None:
    s = service(instance("vps-2", "v2", "active"), instance("vps-1", "v1", "standby", started=48))
    panel = instances(s)
    versions = [row[3] for row in panel.tables[0].rows]
    assert [c.text for c in versions] == ["v2", "v1 (stale deploy)"] and versions[1].tone == "bad"
    assert panel.summary.startswith("bot is active on vps-2") and panel.tone == "warn"
    assert [f.kind for f in panel.findings] == ["stale_code_version"]


def test_data_loss_raises_the_alarm_and_takeovers_are_recent() -> None:
    s = service(instance("vps-2", "v2", "active", reasons=("data loss: the canary row is gone",)))
    alarm = data_loss(s)
    assert alarm.tone == "bad" and alarm.summary.startswith("ALARM:") and "canary" in alarm.summary
    recent = takeovers(s)
    assert recent.tone == "warn" and "lease expired" in recent.summary


def test_nothing_registered_says_what_to_run() -> None:
    empty = Service(read_at=NOW, database="x")
    assert "pgwarden run" in instances(empty).summary
    denied = Service(read_at=NOW, database="x", grant="GRANT USAGE ON SCHEMA pgwarden TO bot")
    assert instances(denied).missing == "needs grant: GRANT USAGE ON SCHEMA pgwarden TO bot"


def test_the_page_escapes_what_it_shows_and_keeps_secrets_out() -> None:
    hostile = instance("<script>alert(1)</script>", "v1", "active")
    html = page(
        [instances(service(hostile)), check(None, None, configured=False)],
        now=NOW,
        database="bot@db:5432/app",
        refresh=10,
        banner=None,
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Read <time" in html and "Not configured." in html
    assert "<code>models</code>" in html, "backticks become code"


def test_a_sparkline_breaks_at_gaps_and_survives_one_point() -> None:
    svg = sparkline(Chart("x", "rows", ((0.0, 1.0), (60.0, None), (120.0, 3.0), (180.0, 2.0))))
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1
    assert "not enough samples" in sparkline(Chart("x", "rows", ((0.0, 1.0),)))


def _console(read: object) -> Console:
    reader = Reader("service", read, 10.0, keys=("instances",))  # type: ignore[arg-type]
    return Console(
        [reader],
        database="bot@db:5432/app",
        refresh=10.0,
        placeholders=[Panel("instances", "Instances", None, "Not read yet.")],
    )


def test_an_unreachable_database_keeps_the_last_known_state() -> None:
    calls = {"n": 0}

    def read() -> list[Panel]:
        calls["n"] += 1
        if calls["n"] > 1:
            raise DatabaseUnreachable(
                "Could not connect to the database at bot@db:5432/app: connection refused."
            )
        return [instances(service(instance("vps-2", "v2", "active")))]

    board = _console(read)
    board.run_once(board.readers[0])
    board.run_once(board.readers[0])
    (panel,) = board.panels()
    assert panel.summary.startswith("bot is active") and panel.error and "connection refused" in panel.error
    banner = board.banner()
    assert banner is not None and "last known state" in banner


def talk(app: Any, script: Callable[[httpx.AsyncClient], Any]) -> Any:
    async def run() -> Any:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            return await script(client)

    return asyncio.run(run())


def test_a_token_is_needed_once_and_the_cookie_holds_no_token() -> None:
    board = _console(lambda: [])

    async def script(client: httpx.AsyncClient) -> None:
        assert (await client.get("/")).status_code == 401
        assert (await client.get("/", headers={"Authorization": "Bearer s3cret-token"})).status_code == 200
        assert (await client.get("/login?token=wrong")).status_code == 401
        login = await client.get("/login?token=s3cret-token")
        assert login.status_code == 303 and "s3cret-token" not in login.headers["set-cookie"]
        assert (await client.get("/panels")).status_code == 200, "the cookie now authorises"
        assert "s3cret-token" not in (await client.get("/")).text

    talk(build_app(board, token="s3cret-token"), script)


def test_each_client_is_rate_limited() -> None:
    limit = RateLimit(per_second=1.0, burst=3)
    assert [limit.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b", now=0.0), "another client has its own bucket"
    assert limit.allow("a", now=1.5), "the bucket refills"

    async def script(client: httpx.AsyncClient) -> list[int]:
        return [(await client.get("/")).status_code for _ in range(3)]

    assert talk(build_app(_console(lambda: []), limit=RateLimit(per_second=0.1, burst=2)), script) == [
        200,
        200,
        429,
    ]


def test_a_long_table_is_cut_with_a_count_of_the_rest() -> None:
    many = [instance(f"vps-{i}", "v1", "standby") for i in range(120)]
    html = page([instances(service(*many))], now=NOW, database="x", refresh=10, banner=None)
    assert html.count("<tr>") == 51 and "And 70 more not shown here" in html
