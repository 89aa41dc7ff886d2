-- The newest unfinished run of one invariant: a killed, stopped or failed repair continues from it.
SELECT id, check_hash, status, key_column, last_key, batches, rows_seen, rows_changed
FROM pgwarden.repair_runs
WHERE invariant = %(invariant)s AND status IN ('running', 'stopped', 'failed')
ORDER BY id DESC
LIMIT 1
