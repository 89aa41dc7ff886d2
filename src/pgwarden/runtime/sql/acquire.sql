-- Called once the lease may be ours (after reading the old row FOR UPDATE): bump the fencing epoch.
-- backend_pid only on a direct connection: a null one tells standbys there is no session to watch.
-- Only the row that was read (with the epoch it had then) is taken over: when none was read and another instance
-- created it meanwhile (no advisory lock through a transaction pooler), no row comes back: not ours.
INSERT INTO pgwarden.leases AS l (name, epoch, holder, backend_pid, renewed_at, expires_at, released, taken_at)
VALUES (%(name)s, 1, %(holder)s, CASE WHEN %(direct)s THEN pg_backend_pid() END, now(), now() + make_interval(secs => %(ttl)s), false, now())
ON CONFLICT (name) DO UPDATE SET
    epoch = l.epoch + 1, holder = excluded.holder, backend_pid = excluded.backend_pid,
    renewed_at = excluded.renewed_at, expires_at = excluded.expires_at, released = false,
    taken_at = excluded.taken_at
WHERE l.epoch = %(seen)s
RETURNING epoch
