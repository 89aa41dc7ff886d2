-- Instances registered by `pgwarden run` that were seen lately and have not stopped.
SELECT name, host, pid, code_version, role, last_seen
FROM pgwarden.instances
WHERE stopped_at IS NULL AND last_seen > pg_catalog.now() - interval '10 minutes'
ORDER BY name, host, pid
