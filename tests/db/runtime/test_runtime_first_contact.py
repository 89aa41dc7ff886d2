"""The guardian's first contact with its database and its promotion: what a restart or a failover
costs in round trips, each a remote database's latency before the bot can start."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import psycopg
from trace_helpers import round_trips, sent, traced_connections

from pgwarden.pooling import SESSION, Pooling
from pgwarden.runtime import RuntimeSettings, identity
from pgwarden.runtime.connection import ensure_schema, open_connection
from pgwarden.runtime.leadership import Leadership


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


def test_a_promotion_waits_three_times(db_url: str, tmp_path: Path) -> None:
    """A free lease taken on a direct connection: the advisory lock, then the lease's row read with
    its transaction's BEGIN, then the new epoch written with its COMMIT (five before: BEGIN and COMMIT
    waited alone). A standby's promotion in a failover pays the same."""
    asyncio.run(_first_contact(db_url))  # the runtime's tables

    async def promote() -> int | None:
        lease = Leadership(db_url, RuntimeSettings(name="first-contact"), uuid4())
        lease.pooling = Pooling(SESSION, "direct, as the probe found it")  # the probe is counted elsewhere
        try:
            promoted = await lease.try_acquire()
            return promoted.epoch if promoted else None
        finally:
            await lease.close()

    with traced_connections(tmp_path) as traces:
        epoch = asyncio.run(promote())
    assert epoch == 1
    assert round_trips(traces) == 3, [rest for _, rest in sent(traces[0])]


def test_an_event_and_a_sample_are_written_in_one_round_trip_each(db_url: str, tmp_path: Path) -> None:
    """The timeline's writes go out in the background and as an instance stops (its last demotion):
    one round trip each, where the table was asked for first, then each statement, BEGIN and COMMIT
    waited alone (five)."""
    from pgwarden.checks.invariants import Invariant
    from pgwarden.checks.run import Outcome
    from pgwarden.checks.samples import record
    from pgwarden.runtime import history

    asyncio.run(_first_contact(db_url))  # the runtime's tables, the history tables among them
    with traced_connections(tmp_path) as traces:
        assert history.record(db_url, name="bot", kind="gate", outcome="ok", summary="passed")
        assert record(db_url, [Outcome(Invariant(name="x", check="SELECT 1", origin="test"), count=0)]) == 1
    assert [round_trips([trace]) for trace in traces] == [1, 1]
