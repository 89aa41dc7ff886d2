"""The active instance watches the data invariants: a metric per invariant, an alert on a violated one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import psycopg
from test_runtime_identity import INTERVAL, Webhook, alerts, until

from pgwarden.config import parse
from pgwarden.runtime import RuntimeSettings, Warden

CHECK = (
    "SELECT b.id FROM bookings b LEFT JOIN chat_rooms c ON c.booking_id = b.id "
    "WHERE b.status = 'active' AND c.booking_id IS NULL"
)


def test_the_active_instance_counts_violations_and_alerts(db_url: str, tmp_path: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bookings (id bigint PRIMARY KEY, status text NOT NULL)")
        conn.execute("CREATE TABLE chat_rooms (booking_id bigint PRIMARY KEY)")
        conn.execute("INSERT INTO bookings VALUES (1, 'active'), (2, 'active'), (3, 'pending')")
    cfg = parse(
        {"invariants": [{"name": "booking-has-room", "check": CHECK}]}, file=tmp_path / "pgwarden.toml"
    )
    settings = RuntimeSettings(
        name="bot", ttl=1.2, check_interval=INTERVAL, health_port=0, invariants_every=0.2
    )

    async def metric(w: Warden) -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(w.server.url + "/metrics")).text

    async def scenario() -> None:
        async with Webhook() as hook, Warden(db_url, settings, config=cfg, alerts=alerts(hook)) as w:
            await asyncio.wait_for(w.wait_active(), 5)
            await until(lambda: "invariant:booking-has-room" in hook.sent())
            text = await metric(w)
            assert 'pgwarden_invariant_violations{invariant="booking-has-room"} 2.0' in text
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute("INSERT INTO chat_rooms VALUES (1), (2)")
            await until(lambda: [o.count for o in w.invariant_outcomes] == [0])
            assert 'pgwarden_invariant_violations{invariant="booking-has-room"} 0.0' in await metric(w)

    asyncio.run(scenario())
