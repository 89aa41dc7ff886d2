-- Retention: older than %(days)s days, or beyond the newest %(rows)s rows (a flapping gate cannot fill the disk).
DELETE FROM pgwarden.events
WHERE at < now() - make_interval(days => %(days)s)
   OR id <= (SELECT max(id) FROM pgwarden.events) - %(rows)s
