"""The guardian's first contact with its database: what a restart costs in round trips, each a
remote database's latency before the bot can start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
from trace_helpers import round_trips, sent, traced_connections

from pgwarden.runtime import identity
from pgwarden.runtime.connection import ensure_schema, open_connection


async def _first_contact(url: str) -> tuple[identity.Pin, identity.Observation]:
    conn = await open_connection(url, application_name="test", timeout=5, ttl=5)
    async with conn:
        obs = await identity.observe(conn, required=(), non_empty=())
        await ensure_schema(conn, url)
        return await identity.pin(conn, obs), obs


def test_a_restart_asks_three_questions_and_pins_nothing(db_url: str, tmp_path: Path) -> None:
    first, before = asyncio.run(_first_contact(db_url))  # a fresh database: tables made, identity pinned
    assert before.pin is None
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT system_identifier, canary, database_oid FROM pgwarden.identity").fetchone()
    assert row is not None and first == identity.Pin(row[0], row[1], int(row[2]))
    with traced_connections(tmp_path) as traces:
        again, obs = asyncio.run(_first_contact(db_url))
    assert again == first == obs.pin
    messages = [rest for _, rest in sent(traces[0])]
    assert not [m for m in messages if "INSERT INTO pgwarden.identity" in m], (
        "the pin was there: nothing to write"
    )
    # The server's facts, the pinned row, and whether the runtime's and history tables exist. Eight
    # before: each history table was asked for alone, and the pin was written (a no-op) and read back.
    assert round_trips(traces) == 3, messages
