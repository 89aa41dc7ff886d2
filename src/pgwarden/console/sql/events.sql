-- The guardian's newest events (gate verdicts, demotions, scheduled backups) of the last %(days)s days, newest first.
SELECT at, name, instance, kind, outcome, summary
FROM pgwarden.events
WHERE at > now() - make_interval(days => %(days)s)
ORDER BY id DESC
LIMIT %(limit)s
