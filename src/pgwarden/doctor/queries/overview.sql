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
       pg_catalog.to_regclass('pgwarden.identity') IS NOT NULL AS has_identity,
       pg_catalog.to_regclass('pgwarden.instances') IS NOT NULL AS has_instances
