"""Batch claims in the update ledger on real PostgreSQL: partial ownership, the fence, takeovers, batched dones."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import psycopg

from pgwarden.runtime import RuntimeSettings, Warden
from pgwarden.runtime.ledger import Claim, UpdateLedger

FAST = {"ttl": 1.2, "check_interval": 0.15}


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def rows(db_url: str, name: str = "hook") -> dict[int, tuple[str, uuid.UUID]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT update_id, state, holder FROM pgwarden.updates WHERE name = %s", (name,)
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in found}


def register(db_url: str, instance: uuid.UUID, *, seen_ago: float, ttl: float = 2.0) -> None:
    """An instance row as a Warden's heartbeat leaves it, last seen ``seen_ago`` seconds ago."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ttl, last_seen) "
            "VALUES (%s, 'hook', 'h', 1, 'standby', 'v', %s, now() - make_interval(secs => %s))",
            (instance, ttl, seen_ago),
        )


def test_a_batch_is_claimed_in_part_what_is_done_or_busy_elsewhere_stays_so(db_url: str) -> None:
    async def scenario() -> None:
        first = UpdateLedger(db_url, "hook", uuid.uuid4())
        second = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert await first.claim_many([2, 3]) == {2: Claim.CLAIMED, 3: Claim.CLAIMED}
        assert await first.done(3)
        outcomes = await second.claim_many([1, 2, 3, 4, 4])
        assert outcomes == {1: Claim.CLAIMED, 2: Claim.BUSY, 3: Claim.DUPLICATE, 4: Claim.CLAIMED}
        # The claimant's own answers come from memory: what it handles now is busy, not retaken.
        assert await second.claim_many([1, 4, 5]) == {1: Claim.BUSY, 4: Claim.BUSY, 5: Claim.CLAIMED}
        found = rows(db_url)
        assert found[2] == ("claimed", first.holder) and found[3] == ("done", first.holder)
        assert {found[u][1] for u in (1, 4, 5)} == {second.holder}
        for ledger in (first, second):
            await ledger.close()

    run(scenario())


def test_a_stale_epoch_claims_nothing_of_a_batch_and_the_new_leader_retakes_unfinished_claims(
    db_url: str,
) -> None:
    async def scenario() -> None:
        a = Warden(db_url, RuntimeSettings(name="bot", **FAST))
        b = Warden(db_url, RuntimeSettings(name="bot", telegram=True, **FAST))
        await a.start()
        await asyncio.wait_for(a.wait_active(), 5)
        old = a.epoch
        assert old is not None
        ledger_a, ledger_b = UpdateLedger.for_warden(a), UpdateLedger.for_warden(b)
        assert set((await ledger_a.claim_many([10, 11, 12], old)).values()) == {Claim.CLAIMED}
        ledger_a.finish(10)
        await ledger_a.flush()
        await b.start()
        await a.stop()  # a's lease goes; b takes it with a higher epoch
        await asyncio.wait_for(b.wait_active(), 10)
        assert b.epoch is not None and b.epoch > old
        ledger_a.finish(11)  # a finished 11 after it was deposed: its record still counts
        assert await ledger_a.claim_many([13, 14], old) == {13: Claim.FENCED, 14: Claim.FENCED}
        assert rows(db_url, "bot")[11][0] == "done"
        assert 13 not in rows(db_url, "bot")
        # b: the handled ones are duplicates, a's unfinished claim is taken at once (no claim_timeout).
        outcomes = await ledger_b.claim_many([10, 11, 12, 13], b.epoch)
        assert outcomes == {10: Claim.DUPLICATE, 11: Claim.DUPLICATE, 12: Claim.CLAIMED, 13: Claim.CLAIMED}
        assert ledger_a.counts[Claim.FENCED] == 2
        for ledger in (ledger_a, ledger_b):
            await ledger.close()
        await b.stop()

    run(scenario())


def test_claims_of_a_holder_whose_heartbeat_expired_are_taken_over_before_the_claim_timeout(
    db_url: str,
) -> None:
    async def scenario() -> None:
        dead, alive, me = uuid.uuid4(), uuid.uuid4(), UpdateLedger(db_url, "hook", uuid.uuid4())
        gone = UpdateLedger(db_url, "hook", dead, claim_timeout=600)
        busy = UpdateLedger(db_url, "hook", alive, claim_timeout=600)
        assert await gone.claim_many([1, 2]) == {1: Claim.CLAIMED, 2: Claim.CLAIMED}
        assert await busy.claim_many([3]) == {3: Claim.CLAIMED}
        register(
            db_url, dead, seen_ago=7.0, ttl=2.0
        )  # older than three times its ttl: dead (or frozen that long)
        register(db_url, alive, seen_ago=5.0, ttl=2.0)  # late (frozen?), but within three times its ttl
        assert await me.claim_many([1, 3]) == {1: Claim.CLAIMED, 3: Claim.BUSY}
        assert not await gone.done(1)  # the late finisher learns it was taken over
        cautious = UpdateLedger(db_url, "hook", uuid.uuid4(), dead_after=None)
        assert await cautious.claim_many([2]) == {2: Claim.BUSY}  # dead_after=None: claim_timeout only
        for ledger in (me, gone, busy, cautious):
            await ledger.close()

    run(scenario())


def test_finished_handlers_are_recorded_in_the_background_or_with_the_next_claim(db_url: str) -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        other = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert set((await ledger.claim_many(list(range(1, 6)))).values()) == {Claim.CLAIMED}
        for update_id in (1, 2):
            ledger.finish(update_id)
        # Before the background write ran: a redelivery here is refused from memory, elsewhere it is busy.
        assert await ledger.claim_many([1, 6]) == {1: Claim.DUPLICATE, 6: Claim.CLAIMED}
        assert rows(db_url)[2][0] == "done"  # rode along with that claim
        for update_id in (3, 4, 5, 6):
            ledger.finish(update_id)
        await ledger.flush()
        assert {u: s for u, (s, _) in rows(db_url).items()} == dict.fromkeys(range(1, 7), "done")
        assert await other.claim_many(list(range(1, 8))) == {
            **dict.fromkeys(range(1, 7), Claim.DUPLICATE),
            7: Claim.CLAIMED,
        }
        for led in (ledger, other):
            await led.close()

    run(scenario())


def test_retention_prunes_batch_claims_too(db_url: str) -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4(), retention=3600)
        await ledger.claim_many([1, 2, 3])
        for update_id in (1, 2, 3):
            ledger.finish(update_id)
        await ledger.flush()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE pgwarden.updates SET claimed_at = now() - interval '2 hours' WHERE update_id < 3"
            )
        assert await ledger.prune() == 2
        assert set(rows(db_url)) == {3}
        await ledger.close()

    run(scenario())


def test_connections_lost_while_records_are_pending_neither_hang_nor_lose_them(db_url: str) -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(db_url, "hook", uuid.uuid4())
        assert await ledger.claim_many([1, 2]) == {1: Claim.CLAIMED, 2: Claim.CLAIMED}
        with psycopg.connect(db_url, autocommit=True) as conn:  # what a PostgreSQL restart does to them
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'pgwarden ledger hook%%'"
            )
        ledger.finish(1)
        await asyncio.wait_for(ledger.flush(), 10)
        assert await asyncio.wait_for(ledger.claim_many([3]), 10) == {3: Claim.CLAIMED}
        ledger.finish(2)
        await asyncio.wait_for(ledger.close(), 10)
        assert {u: s for u, (s, _) in rows(db_url).items()} == {1: "done", 2: "done", 3: "claimed"}

    run(scenario())
