-- Claim one Telegram update for handling. Fenced when an epoch is given: the claim fails unless the
-- lease still has that epoch (holds_epoch share-locks the lease row, so a takeover waits for claims in
-- flight and a resumed stale leader sees the new epoch). An unfinished claim is taken over by a higher
-- epoch (its leader was fenced out) or, unfenced, once it is older than claim_timeout (its holder died);
-- at once by its own holder, which claims only what it is not handling (UpdateLedger.claim checks): the
-- claim committed but its answer was lost with the connection, in a PostgreSQL restart.
-- Returns: fence held, claim won, the state of the row this statement's snapshot saw (null: none yet).
WITH fence AS (
    SELECT %(epoch)s::bigint IS NULL OR pgwarden.holds_epoch(%(name)s, %(epoch)s::bigint) AS ok
), won AS (
    INSERT INTO pgwarden.updates AS u (name, update_id, holder, epoch, state, claimed_at)
    SELECT %(name)s, %(update_id)s, %(holder)s, %(epoch)s::bigint, 'claimed', now() FROM fence WHERE ok
    ON CONFLICT (name, update_id) DO UPDATE
        SET holder = excluded.holder, epoch = excluded.epoch, claimed_at = now()
        WHERE u.state = 'claimed' AND (
            u.claimed_at < now() - make_interval(secs => %(claim_timeout)s)
            OR u.holder = excluded.holder
            OR (excluded.epoch IS NOT NULL AND u.epoch IS NOT NULL AND u.epoch < excluded.epoch))
    RETURNING 1
)
SELECT (SELECT ok FROM fence), EXISTS (SELECT FROM won),
       (SELECT state FROM pgwarden.updates WHERE name = %(name)s AND update_id = %(update_id)s)
