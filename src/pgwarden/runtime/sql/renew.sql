-- Renew our lease; no row back means another instance took the epoch: demote at once.
UPDATE pgwarden.leases
SET renewed_at = now(), expires_at = now() + make_interval(secs => %(ttl)s)
WHERE name = %(name)s AND holder = %(holder)s AND epoch = %(epoch)s AND NOT released
  AND backend_pid = pg_backend_pid()
RETURNING epoch
