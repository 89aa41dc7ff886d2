-- pgwarden's migration ledger: what ran, how long it took, and what failed.
SELECT version, name, applied_at, duration_ms, success, error
FROM pgwarden.migrations
ORDER BY version
