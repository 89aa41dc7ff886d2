-- Who holds the leadership lock, and what the lease says about it (null lease columns: no lease row).
SELECT a.pid, a.application_name, host(a.client_addr), a.usename, a.backend_start,
       l.holder, l.backend_pid = a.pid AS is_lease_holder, l.expires_at < now() AS expired,
       extract(epoch FROM now() - l.expires_at) AS expired_for, l.epoch
FROM pg_catalog.pg_locks k
JOIN pg_catalog.pg_stat_activity a ON a.pid = k.pid
LEFT JOIN pgwarden.leases l ON l.name = %(name)s
WHERE k.locktype = 'advisory' AND k.granted AND k.classid = %(classid)s AND k.objid = %(objid)s
  AND k.objsubid = 2 AND k.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
