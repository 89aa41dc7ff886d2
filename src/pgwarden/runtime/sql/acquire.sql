-- Called once the advisory lock is ours (after reading the old row FOR UPDATE): bump the fencing epoch.
INSERT INTO pgwarden.leases AS l (name, epoch, holder, backend_pid, renewed_at, expires_at, released, taken_at)
VALUES (%(name)s, 1, %(holder)s, pg_backend_pid(), now(), now() + make_interval(secs => %(ttl)s), false, now())
ON CONFLICT (name) DO UPDATE SET
    epoch = l.epoch + 1, holder = excluded.holder, backend_pid = excluded.backend_pid,
    renewed_at = excluded.renewed_at, expires_at = excluded.expires_at, released = false,
    taken_at = excluded.taken_at
RETURNING epoch
