-- Every lease with whether it is held right now, and its last takeover.
SELECT l.name, l.epoch, l.holder, NOT l.released AND l.expires_at > now() AS valid, t.at, t.reason
FROM pgwarden.leases l
LEFT JOIN LATERAL (
    SELECT at, reason FROM pgwarden.takeovers WHERE name = l.name ORDER BY id DESC LIMIT 1
) t ON true
WHERE %(name)s::text IS NULL OR l.name = %(name)s::text
ORDER BY l.name
