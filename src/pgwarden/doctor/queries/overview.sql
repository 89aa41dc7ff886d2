-- One row of server facts for `pgwarden doctor env --db`.
SELECT pg_catalog.pg_postmaster_start_time() AS started_at,
       pg_catalog.now() AS now,
       pg_catalog.current_setting('server_version') AS version,
       pg_catalog.current_setting('max_connections')::int AS max_connections,
       pg_catalog.current_setting('superuser_reserved_connections')::int AS reserved,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend') AS connections,
       pg_catalog.current_database() AS database,
       pg_catalog.pg_database_size(pg_catalog.current_database()) AS database_size,
       (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) AS database_oid,
       -- false where pg_control_system() is revoked (some managed services): calling it would fail
       pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') AS may_read_control,
       -- readable, not just present: a monitoring role without USAGE on schema pgwarden skips these
       -- probes (to_regclass would fail the whole transaction with "permission denied")
       EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'pgwarden' AND c.relname = 'identity'
                 AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
                 AND pg_catalog.has_table_privilege(c.oid, 'SELECT')) AS has_identity,
       EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'pgwarden' AND c.relname = 'instances'
                 AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
                 AND pg_catalog.has_table_privilege(c.oid, 'SELECT')) AS has_instances
