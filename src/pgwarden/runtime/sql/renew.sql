-- Renew our lease; no row back means another instance took the epoch: demote at once.
-- Directly on PostgreSQL the renewal also records (or, with check_pid, requires) our server process;
-- through a pooler in transaction mode that process changes between transactions and means nothing (null).
UPDATE pgwarden.leases
SET renewed_at = now(), expires_at = now() + make_interval(secs => %(ttl)s), backend_pid = CASE WHEN %(direct)s THEN pg_backend_pid() END
WHERE name = %(name)s AND holder = %(holder)s AND epoch = %(epoch)s AND NOT released
  AND (NOT %(check_pid)s OR backend_pid = pg_backend_pid())
RETURNING epoch
