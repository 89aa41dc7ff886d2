-- Sessions waiting for a lock, each with the session that blocks it and what that one runs.
SELECT blocked.pid,
       blocked.usename,
       left(blocked.query, 500) AS query,
       extract(epoch FROM pg_catalog.now() - blocked.query_start)::float8 AS waiting_seconds,
       blocker.pid AS blocking_pid,
       blocker.usename AS blocking_user,
       blocker.state AS blocking_state,
       left(blocker.query, 500) AS blocking_query
FROM pg_catalog.pg_stat_activity AS blocked
CROSS JOIN LATERAL unnest(pg_catalog.pg_blocking_pids(blocked.pid)) AS b(pid)
JOIN pg_catalog.pg_stat_activity AS blocker ON blocker.pid = b.pid
WHERE blocked.datname = pg_catalog.current_database()
ORDER BY blocked.query_start, blocker.pid
LIMIT 50
