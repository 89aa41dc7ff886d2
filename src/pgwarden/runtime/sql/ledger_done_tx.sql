-- The done record of one update, run inside the handler's own transaction and sent with its COMMIT in one
-- query string, so the handler's writes and the record commit together or not at all. Fenced like a claim:
-- the row must still be this holder's claim of this epoch (a successor's retake changed holder or epoch, or
-- finished it), and a fenced claim's lease must still have that epoch (holds_epoch share-locks the lease
-- row, so a takeover waits for this COMMIT). Under READ COMMITTED a retake committed meanwhile is seen on the
-- row lock: the WHERE is re-checked. No row matched: 1/0 raises division_by_zero (22012), the COMMIT after it
-- in the string is skipped, and the caller rolls the transaction back (taken over or deposed).
WITH fence AS (
    SELECT %(epoch)s::bigint IS NULL OR pgwarden.holds_epoch(%(name)s, %(epoch)s::bigint) AS ok
), done AS (
    UPDATE pgwarden.updates SET state = 'done', done_at = now()
    WHERE name = %(name)s AND update_id = %(update_id)s AND holder = %(holder)s AND state = 'claimed'
      AND epoch IS NOT DISTINCT FROM %(epoch)s::bigint
      AND (SELECT ok FROM fence)
    RETURNING update_id
)
SELECT 1 / (SELECT count(*) FROM done)::int
