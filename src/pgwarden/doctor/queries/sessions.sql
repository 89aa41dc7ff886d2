-- Sessions running one statement too long, or idle inside an open transaction too long.
SELECT pid,
       usename,
       application_name,
       client_addr::text AS client_addr,
       state,
       extract(epoch FROM pg_catalog.now() - query_start)::float8 AS query_seconds,
       extract(epoch FROM pg_catalog.now() - state_change)::float8 AS state_seconds,
       left(query, 500) AS query
FROM pg_catalog.pg_stat_activity
WHERE backend_type = 'client backend'
  AND pid <> pg_catalog.pg_backend_pid()
  AND datname = pg_catalog.current_database()
  AND ((state = 'active' AND pg_catalog.now() - query_start > pg_catalog.make_interval(secs => %(long_query)s))
    OR (state IN ('idle in transaction', 'idle in transaction (aborted)')
        AND pg_catalog.now() - state_change > pg_catalog.make_interval(secs => %(idle)s)))
ORDER BY query_start
LIMIT 50
