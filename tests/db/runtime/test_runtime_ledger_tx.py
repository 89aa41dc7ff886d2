"""A handler's writes and its update's done record in one transaction (``UpdateLedger.handling``), on real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import psycopg
import pytest

from pgwarden.errors import DatabaseUnreachable
from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.runtime.ledger import Claim, UpdateLedger
from pgwarden.runtime.ledger_tx import UpdateTakenOver

INSERT = "INSERT INTO handled (update_id, by) VALUES (%s, %s)"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def setup(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE handled (update_id bigint, by text)")


def handled(db_url: str) -> list[tuple[int, str]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT update_id, by FROM handled ORDER BY 1, 2")]


def ledger_row(db_url: str, update_id: int, name: str = "hook") -> tuple[str, uuid.UUID, Any] | None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT state, holder, done_at FROM pgwarden.updates WHERE name = %s AND update_id = %s",
            (name, update_id),
        ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def test_the_handlers_row_and_the_done_record_commit_together(db_url: str) -> None:
    setup(db_url)

    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert await ledger.claim(1) is Claim.CLAIMED
        async with ledger.handling(1) as conn:
            await conn.execute(INSERT, (1, "a"))
            # Inside the transaction: neither is visible to anyone else yet.
            assert handled(db_url) == []
            row = ledger_row(db_url, 1)
            assert row is not None and row[0] == "claimed"
        row = ledger_row(db_url, 1)
        assert row is not None and row[0] == "done" and row[1] == ledger.holder
        ledger.finish(1)  # what the integration calls after the handler: nothing left to write
        await ledger.flush()
        assert ledger_row(db_url, 1) == row  # done_at untouched: no second record
        assert await ledger.claim(1) is Claim.DUPLICATE
        with pytest.raises(RuntimeError, match="not being handled"):
            async with ledger.handling(1):
                pass
        await ledger.close()

    run(scenario())
    assert handled(db_url) == [(1, "a")]


def test_a_taken_over_holders_transaction_rolls_back_its_row_and_the_new_holder_handles_it_once(
    db_url: str,
) -> None:
    setup(db_url)

    async def scenario() -> None:
        old = UpdateLedger(db_url, "hook", uuid.uuid4(), claim_timeout=0.3)
        new = UpdateLedger(db_url, "hook", uuid.uuid4(), claim_timeout=0.3)
        assert await old.claim(5) is Claim.CLAIMED
        with pytest.raises(UpdateTakenOver):
            async with old.handling(5) as conn:
                await conn.execute(INSERT, (5, "old"))
                await asyncio.sleep(0.5)  # frozen past the claim timeout: the claim is retaken meanwhile
                assert await new.claim(5) is Claim.CLAIMED
        assert old.take_retry(5)
        old.finish(5)  # the integration's call after the failed handler records nothing
        await old.flush()
        row = ledger_row(db_url, 5)
        assert row is not None and row[:2] == ("claimed", new.holder)
        async with new.handling(5) as conn:
            await conn.execute(INSERT, (5, "new"))
        for ledger in (old, new):
            await ledger.close()

    run(scenario())
    assert handled(db_url) == [(5, "new")]
    row = ledger_row(db_url, 5)
    assert row is not None and row[0] == "done"


def test_a_deposed_leaders_transaction_rolls_back_even_before_its_claim_is_retaken(db_url: str) -> None:
    setup(db_url)
    fast = {"ttl": 1.2, "check_interval": 0.15}

    async def scenario() -> None:
        a = Warden(db_url, RuntimeSettings(name="bot", **fast))
        b = Warden(db_url, RuntimeSettings(name="bot", **fast))
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        old = a.epoch
        ledger = UpdateLedger.for_warden(a)
        assert await ledger.claim(9, old) is Claim.CLAIMED
        with pytest.raises(UpdateTakenOver):
            async with ledger.handling(9) as conn:
                await conn.execute(INSERT, (9, "a"))
                await b.start()
                await a.stop()  # the lease moves on while a's handler runs
                await asyncio.wait_for(b.wait_active(), 10)
        successor = UpdateLedger.for_warden(b)
        assert await successor.claim(9, b.epoch) is Claim.CLAIMED  # a higher epoch retakes it
        async with successor.handling(9) as conn:
            await conn.execute(INSERT, (9, "b"))
        for led in (ledger, successor):
            await led.close()
        await b.stop()

    run(scenario())
    assert handled(db_url) == [(9, "b")]


def test_a_connection_lost_before_commit_leaves_neither_and_the_retake_handles_it_once(db_url: str) -> None:
    setup(db_url)

    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert await ledger.claim(7) is Claim.CLAIMED
        with pytest.raises(DatabaseUnreachable, match="lost"):
            async with ledger.handling(7) as conn:
                await conn.execute(INSERT, (7, "first"))
                pid = conn.info.backend_pid
                with psycopg.connect(db_url, autocommit=True) as killer:  # as a kill -9 or a restart would
                    killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert handled(db_url) == []
        row = ledger_row(db_url, 7)
        assert row is not None and row[0] == "claimed"
        assert ledger.take_retry(7)
        # Delivered again (the update was not confirmed): its own holder retakes it at once.
        assert await ledger.claim(7) is Claim.CLAIMED
        async with ledger.handling(7) as conn:
            await conn.execute(INSERT, (7, "second"))
        ledger.finish(7)
        assert await ledger.claim(7) is Claim.DUPLICATE
        await ledger.close()

    run(scenario())
    assert handled(db_url) == [(7, "second")]


def test_a_handlers_own_error_rolls_back_its_writes_and_counts_as_handled(db_url: str) -> None:
    setup(db_url)

    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert await ledger.claim(3) is Claim.CLAIMED
        with pytest.raises(ZeroDivisionError):
            async with ledger.handling(3) as conn:
                await conn.execute(INSERT, (3, "x"))
                _ = 1 / 0
        assert not ledger.take_retry(3)  # not retried: a failing handler would fail again
        ledger.finish(3)
        await ledger.flush()
        row = ledger_row(db_url, 3)
        assert row is not None and row[0] == "done"
        await ledger.close()

    run(scenario())
    assert handled(db_url) == []


def test_a_webhook_update_whose_transaction_rolled_back_gets_503_and_its_redelivery_is_handled_once(
    db_url: str,
) -> None:
    from pgwarden.integrations._webhook import WebhookGate, WebhookSettings
    from pgwarden.integrations.transaction import update_transaction

    setup(db_url)

    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        gate = WebhookGate(WebhookSettings(url="https://bot.example/hook", secret_token="s"), ledger)
        calls: list[int] = []

        async def handle() -> None:
            calls.append(1)
            async with update_transaction() as conn:
                await conn.execute(INSERT, (11, f"try {len(calls)}"))
                if len(calls) == 1:  # the first delivery's connection dies before COMMIT
                    with psycopg.connect(db_url, autocommit=True) as killer:
                        killer.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))

        assert (await gate.run({"update_id": 11}, handle)).status == 503  # Telegram delivers it again
        assert (await gate.run({"update_id": 11}, handle)).status == 200
        assert (await gate.run({"update_id": 11}, handle)).text == "duplicate"
        assert len(calls) == 2
        await ledger.close()

    run(scenario())
    assert handled(db_url) == [(11, "try 2")]
