-- Instances still running, or stopped within %(recent)s seconds; newest first.
SELECT id, name, host, pid, role, epoch, code_version, ready, reasons, started_at, last_seen,
       extract(epoch FROM now() - last_seen)::float8 AS seen_ago, stopped_at IS NOT NULL AS stopped, ttl
FROM pgwarden.instances
WHERE (%(name)s::text IS NULL OR name = %(name)s::text)
  AND (stopped_at IS NULL OR stopped_at > now() - make_interval(secs => %(recent)s))
  AND last_seen > now() - interval '1 day'
ORDER BY name, started_at DESC
