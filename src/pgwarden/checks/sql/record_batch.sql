-- Move the checkpoint past one batch, in the same transaction as the batch's repair.
WITH run AS (
    UPDATE pgwarden.repair_runs
    SET last_key = %(last_key)s,
        batches = batches + 1,
        rows_seen = rows_seen + %(rows_seen)s,
        rows_changed = rows_changed + %(rows_changed)s,
        updated_at = now()
    WHERE id = %(run_id)s
    RETURNING id, batches
)
INSERT INTO pgwarden.repair_batches (run_id, batch, first_key, last_key, rows_seen, rows_changed, duration_ms)
SELECT id, batches, %(first_key)s, %(last_key)s, %(rows_seen)s, %(rows_changed)s, %(duration_ms)s
FROM run
