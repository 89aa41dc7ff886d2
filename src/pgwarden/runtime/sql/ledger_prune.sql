-- Bounded retention: Telegram redelivers an update for at most 24 hours, so older claims protect nothing.
DELETE FROM pgwarden.updates
WHERE name = %(name)s AND claimed_at < now() - make_interval(secs => %(retention)s)
