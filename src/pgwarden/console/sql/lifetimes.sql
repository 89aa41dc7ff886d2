-- Instances started or stopped in the last %(days)s days, for the timeline (the Instances panel shows only live ones).
SELECT name, host, pid, code_version, started_at, stopped_at
FROM pgwarden.instances
WHERE started_at > now() - make_interval(days => %(days)s)
   OR stopped_at > now() - make_interval(days => %(days)s)
ORDER BY greatest(started_at, coalesce(stopped_at, started_at)) DESC
LIMIT %(limit)s
