-- Take the lock when it is free, released, expired, or its holder's own server process is gone
-- (recorded only by holders on a direct connection; through a pooler the row's expiry decides).
-- The fencing token grows at every acquisition; a file's transaction compares it before it commits.
INSERT INTO pgwarden.locks AS l
    (name, token, holder, client_addr, session_pid, session_start, taken_at, renewed_at, expires_at, released)
SELECT %(name)s, 1, %(holder)s, host(inet_client_addr()), a.pid, a.backend_start, now(), now(),
       now() + make_interval(secs => %(ttl)s), false
FROM (SELECT NULL) AS one
LEFT JOIN pg_catalog.pg_stat_activity a ON %(session)s AND a.pid = pg_catalog.pg_backend_pid()
ON CONFLICT (name) DO UPDATE SET
    token = l.token + 1, holder = excluded.holder, client_addr = excluded.client_addr,
    session_pid = excluded.session_pid, session_start = excluded.session_start, taken_at = now(),
    renewed_at = now(), expires_at = excluded.expires_at, released = false
WHERE l.released OR l.expires_at < now()
   OR (l.session_pid IS NOT NULL AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_stat_activity s
        WHERE s.pid = l.session_pid AND s.backend_start = l.session_start))
RETURNING token
