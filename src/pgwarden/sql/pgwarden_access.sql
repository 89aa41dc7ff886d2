-- Can the current role read pgwarden's own schema? Asked through the catalog, which every role
-- may read, so the answer never fails the surrounding read-only transaction.
SELECT
    n.oid IS NOT NULL AS present,
    coalesce(pg_catalog.has_schema_privilege(n.oid, 'USAGE'), true) AS usage,
    coalesce(
        (
            SELECT pg_catalog.bool_and(pg_catalog.has_table_privilege(c.oid, 'SELECT'))
            FROM pg_catalog.pg_class c
            WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm')
        ),
        true
    ) AS readable,
    current_user AS role
FROM (SELECT 1) AS one
LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'pgwarden'
