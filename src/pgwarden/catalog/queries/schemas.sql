-- User schemas: everything but the system's, pgwarden's own and temporary ones.
SELECT n.oid, n.nspname
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'pgwarden')
  AND n.nspname NOT LIKE 'pg\_temp\_%%'
  AND n.nspname NOT LIKE 'pg\_toast\_temp\_%%'
  AND (cardinality(%(schemas)s::text[]) = 0 OR n.nspname = ANY(%(schemas)s::text[]))
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname
