"""The exactly-once update ledger on real PostgreSQL: fenced claims, redelivery, racing replicas, retention."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import psycopg

from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.runtime.ledger import Claim, LedgerCollector, UpdateLedger

FAST = {"ttl": 1.2, "check_interval": 0.15}


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def freeze(w: Warden) -> None:
    """What SIGSTOP does to an instance: its loop and its lease guard stop; its session stays open."""
    tasks = [t for t in w._tasks if t.get_name() == "pgwarden-warden"] + (
        [w.lease.guard] if w.lease.guard else []
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    w.lease.guard = None


def test_a_stale_leader_resuming_cannot_claim_and_its_successor_can(db_url: str) -> None:
    async def scenario() -> None:
        a = Warden(db_url, RuntimeSettings(name="bot", **FAST))
        b = Warden(db_url, RuntimeSettings(name="bot", telegram=True, **FAST))
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        stale_epoch = a.epoch
        assert stale_epoch is not None
        ledger_a, ledger_b = UpdateLedger.for_warden(a), UpdateLedger.for_warden(b)
        assert await ledger_a.claim(1, stale_epoch) is Claim.CLAIMED
        assert await ledger_a.done(1)
        assert await ledger_a.claim(2, stale_epoch) is Claim.CLAIMED  # its handler never finishes
        await b.start()
        await freeze(a)  # a hangs; b takes over once a's lease ran out
        await asyncio.wait_for(b.wait_active(), 10)
        assert b.epoch is not None and b.epoch > stale_epoch
        # a resumes with the epoch it remembers: every claim is refused, even of a new update.
        assert await ledger_a.claim(3, stale_epoch) is Claim.FENCED
        assert await ledger_a.claim(4, stale_epoch) is Claim.FENCED
        # The successor: the handled update is a duplicate, the orphaned claim is its to finish.
        assert await ledger_b.claim(1, b.epoch) is Claim.DUPLICATE
        assert await ledger_b.claim(2, b.epoch) is Claim.CLAIMED
        assert await ledger_b.claim(3, b.epoch) is Claim.CLAIMED
        assert ledger_a.counts[Claim.FENCED] == 2 and ledger_b.counts[Claim.DUPLICATE] == 1
        for ledger in (ledger_a, ledger_b):
            await ledger.close()
        await b.stop()
        await a.stop()

    run(scenario())


def test_a_redelivered_update_is_refused_and_counted(db_url: str) -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert await ledger.claim(10) is Claim.CLAIMED
        assert await ledger.claim(10) is Claim.BUSY  # still being handled: Telegram must try again later
        assert await ledger.done(10)
        assert await ledger.claim(10) is Claim.DUPLICATE
        assert await ledger.claim(10) is Claim.DUPLICATE
        samples = {
            s.labels["outcome"]: s.value
            for family in LedgerCollector(ledger).collect()
            for s in family.samples
            if s.name == "pgwarden_updates_total"
        }
        assert samples["duplicate"] == 2.0 and samples["claimed"] == 1.0 and samples["busy"] == 1.0
        await ledger.close()

    run(scenario())


def test_two_replicas_claiming_the_same_updates_one_wins_each(db_url: str) -> None:
    async def scenario() -> None:
        replicas = [UpdateLedger(db_url, "hook", uuid.uuid4()) for _ in range(2)]
        ids = range(100, 160)
        results = await asyncio.gather(*(r.claim(i) for i in ids for r in replicas))
        per_update = [results[k : k + 2] for k in range(0, len(results), 2)]
        for pair in per_update:
            assert sorted(c.value for c in pair) == ["busy", "claimed"], pair
        for r in replicas:
            await r.close()

    run(scenario())


def test_an_orphaned_unfenced_claim_is_taken_over_after_the_claim_timeout(db_url: str) -> None:
    async def scenario() -> None:
        dead = UpdateLedger(db_url, "hook", uuid.uuid4(), claim_timeout=0.3)
        alive = UpdateLedger(db_url, "hook", uuid.uuid4(), claim_timeout=0.3)
        assert await dead.claim(7) is Claim.CLAIMED
        assert await alive.claim(7) is Claim.BUSY
        await asyncio.sleep(0.5)
        assert await alive.claim(7) is Claim.CLAIMED
        assert not await dead.done(7)  # the late finisher learns it was taken over
        assert await alive.done(7)
        for ledger in (dead, alive):
            await ledger.close()

    run(scenario())


def test_retention_deletes_old_claims_only(db_url: str) -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4(), retention=3600)
        for i in (1, 2, 3):
            assert await ledger.claim(i) is Claim.CLAIMED
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE pgwarden.updates SET claimed_at = now() - interval '2 hours' WHERE update_id < 3"
            )
        assert await ledger.prune() == 2
        assert await ledger.claim(3) is Claim.BUSY
        await ledger.close()

    run(scenario())


def test_a_claim_whose_answer_was_lost_is_retaken_by_its_own_holder_at_once(db_url: str) -> None:
    async def scenario() -> None:
        holder = uuid.uuid4()
        ledger = UpdateLedger(db_url, "hook", holder)
        other = UpdateLedger(db_url, "hook", uuid.uuid4())
        with psycopg.connect(db_url, autocommit=True) as conn:
            # What a claim committed just before PostgreSQL restarted leaves: a row whose answer never came back.
            await ledger.claim(0)  # creates the schema
            conn.execute(
                "INSERT INTO pgwarden.updates (name, update_id, holder) VALUES ('hook', 20, %s)", (holder,)
            )
        assert await other.claim(20) is Claim.BUSY  # another replica still waits for it
        assert await ledger.claim(20) is Claim.CLAIMED  # its holder is not handling it: it takes it again
        assert await ledger.claim(20) is Claim.BUSY  # now it is handling it
        assert await asyncio.gather(other.claim(21), other.claim(21)) in (
            [Claim.CLAIMED, Claim.BUSY],
            [Claim.BUSY, Claim.CLAIMED],
        )  # two deliveries at once to one process: one handles it
        assert await ledger.done(20)
        for led in (ledger, other):
            await led.close()

    run(scenario())
