-- Claim a whole getUpdates batch in one round trip, and record the handlers finished since the last one.
-- The fence, the takeover rules and the holder's own retake are ledger_claim.sql's, for every id at once:
-- a fenced claim (epoch given) wins nothing unless the lease still has that epoch (holds_epoch share-locks
-- the lease row, so a takeover waits for this statement and a resumed stale leader sees the new epoch).
-- %(ids)s holds no id twice and none of %(done)s (ON CONFLICT cannot touch a row twice in one statement).
-- The holders taken for dead (heartbeat older than dead_after times their ttl; null dead_after: none) come
-- first: parsing locks relations in the order they are named, and naming pgwarden.instances before
-- pgwarden.updates keeps the order schema.sql locks them in, so a first install racing claims cannot deadlock.
-- Returns: fence held, the ids this holder now owns, the ids already done (this statement's snapshot),
-- the ids of %(done)s recorded as done (an id missing there was taken over while its handler ran).
WITH dead AS (
    SELECT id FROM pgwarden.instances
    WHERE last_seen < now() - make_interval(secs => %(dead_after)s * ttl)
), fence AS (
    SELECT %(epoch)s::bigint IS NULL OR pgwarden.holds_epoch(%(name)s, %(epoch)s::bigint) AS ok
), finished AS (
    UPDATE pgwarden.updates SET state = 'done', done_at = now()
    WHERE name = %(name)s AND update_id = ANY (%(done)s::bigint[]) AND holder = %(holder)s
    RETURNING update_id
), won AS (
    INSERT INTO pgwarden.updates AS u (name, update_id, holder, epoch, state, claimed_at)
    SELECT %(name)s, id, %(holder)s, %(epoch)s::bigint, 'claimed', now()
    FROM unnest(%(ids)s::bigint[]) AS id, fence WHERE fence.ok
    ON CONFLICT (name, update_id) DO UPDATE
        SET holder = excluded.holder, epoch = excluded.epoch, claimed_at = now()
        WHERE u.state = 'claimed' AND (
            u.claimed_at < now() - make_interval(secs => %(claim_timeout)s)
            OR u.holder = excluded.holder
            OR (excluded.epoch IS NOT NULL AND u.epoch IS NOT NULL AND u.epoch < excluded.epoch)
            OR u.holder IN (SELECT id FROM dead))
    RETURNING u.update_id
)
SELECT (SELECT ok FROM fence),
       ARRAY (SELECT update_id FROM won),
       ARRAY (SELECT update_id FROM pgwarden.updates
              WHERE name = %(name)s AND update_id = ANY (%(ids)s::bigint[]) AND state = 'done'),
       ARRAY (SELECT update_id FROM finished)
